import type { FeatureRoute } from '../../app/FeatureRoute';
import '../../components/screens.css';
import { OperatorsPage } from './OperatorsPage';

export const operatorRoutes: FeatureRoute[] = [{ path: '/operators', element: <OperatorsPage /> }];
