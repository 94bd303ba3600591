import type { FeatureRoute } from '../../app/FeatureRoute';
import { DetailPage } from './DetailPage';
import { QueuePage } from './QueuePage';

export const approvalRoutes: FeatureRoute[] = [
  { path: '/approvals', element: <QueuePage /> },
  { path: '/approvals/:id', element: <DetailPage /> },
];
