import type { FeatureRoute } from '../../app/FeatureRoute';
import '../../components/screens.css';
import { AuditPage } from './AuditPage';
import { ReportPage } from './ReportPage';

export const auditRoutes: FeatureRoute[] = [
  { path: '/audit', element: <AuditPage /> },
  { path: '/audit/report', element: <ReportPage /> },
];
