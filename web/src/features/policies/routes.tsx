import type { FeatureRoute } from '../../app/FeatureRoute';
import '../../components/screens.css';
import '../clients/clients.css';
import { PoliciesPage } from './PoliciesPage';
import { PolicyPage } from './PolicyPage';

export const policyRoutes: FeatureRoute[] = [
  { path: '/policies', element: <PoliciesPage /> },
  { path: '/policies/:kind', element: <PolicyPage /> },
];
