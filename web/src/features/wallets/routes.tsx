import type { FeatureRoute } from '../../app/FeatureRoute';
import '../../components/screens.css';
import '../settlements/settlements.css';
import './wallets.css';
import { LedgerEntriesPage } from './LedgerEntriesPage';
import { WalletsPage } from './WalletsPage';

export const walletRoutes: FeatureRoute[] = [
  { path: '/wallets', element: <WalletsPage /> },
  { path: '/wallets/accounts/:id', element: <LedgerEntriesPage /> },
];
