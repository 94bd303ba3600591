import type { FeatureRoute } from '../../app/FeatureRoute';
import '../../components/screens.css';
import { AccountPage } from './AccountPage';

export const accountRoutes: FeatureRoute[] = [{ path: '/account', element: <AccountPage /> }];
