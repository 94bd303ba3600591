import type { FeatureRoute } from '../../app/App';
import '../../components/screens.css';
import { OperatorsPage } from './OperatorsPage';

export const operatorRoutes: FeatureRoute[] = [{ path: '/operators', element: <OperatorsPage /> }];
