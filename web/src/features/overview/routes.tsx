import type { FeatureRoute } from '../../app/FeatureRoute';
import '../../components/screens.css';
import './overview.css';
import { OverviewPage } from './OverviewPage';

export const overviewRoutes: FeatureRoute[] = [{ path: '/overview', element: <OverviewPage /> }];
