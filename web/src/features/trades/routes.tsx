import type { FeatureRoute } from '../../app/FeatureRoute';
import '../../components/screens.css';
import '../settlements/settlements.css';
import '../clients/clients.css';
import { TradeDetailPage } from './TradeDetailPage';
import { TradesPage } from './TradesPage';

export const tradeRoutes: FeatureRoute[] = [
  { path: '/trades', element: <TradesPage /> },
  { path: '/trades/:id', element: <TradeDetailPage /> },
];
