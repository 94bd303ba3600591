import type { FeatureRoute } from '../../app/FeatureRoute';
import '../../components/screens.css';
import { FoundingTeamPage } from './FoundingTeamPage';
import { OperatorsPage } from './OperatorsPage';

export const operatorRoutes: FeatureRoute[] = [
  { path: '/operators', element: <OperatorsPage /> },
  { path: '/founding-team', element: <FoundingTeamPage /> },
];
