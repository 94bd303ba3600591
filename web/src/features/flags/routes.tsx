import type { FeatureRoute } from '../../app/FeatureRoute';
import '../../components/screens.css';
import { FlagDetailPage } from './FlagDetailPage';
import { FlagsPage } from './FlagsPage';

export const flagRoutes: FeatureRoute[] = [
  { path: '/flags', element: <FlagsPage /> },
  { path: '/flags/:key', element: <FlagDetailPage /> },
];
