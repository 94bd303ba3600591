import type { FeatureRoute } from '../../app/App';
import '../../components/screens.css';
import { AccountPage } from './AccountPage';

export const accountRoutes: FeatureRoute[] = [{ path: '/account', element: <AccountPage /> }];
