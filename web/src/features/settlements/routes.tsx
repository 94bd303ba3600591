import type { FeatureRoute } from '../../app/FeatureRoute';
import '../../components/screens.css';
import './settlements.css';
import { SettlementDetailPage } from './SettlementDetailPage';
import { SettlementsPage } from './SettlementsPage';

export const settlementRoutes: FeatureRoute[] = [
  { path: '/settlements', element: <SettlementsPage /> },
  { path: '/settlements/:id', element: <SettlementDetailPage /> },
];
