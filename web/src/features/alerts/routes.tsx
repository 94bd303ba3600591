import type { FeatureRoute } from '../../app/FeatureRoute';
import '../../components/screens.css';
import { AlertsPage } from './AlertsPage';
import { RunbookPage } from './RunbookPage';

export const alertRoutes: FeatureRoute[] = [
  { path: '/alerts', element: <AlertsPage /> },
  { path: '/alerts/:name/runbook', element: <RunbookPage /> },
];
