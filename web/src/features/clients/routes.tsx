import type { FeatureRoute } from '../../app/FeatureRoute';
import '../../components/screens.css';
import '../settlements/settlements.css';
import './clients.css';
import { ClientPage } from './ClientPage';
import { ClientsPage } from './ClientsPage';
import { RegisterClientPage } from './RegisterClientPage';

export const clientRoutes: FeatureRoute[] = [
  { path: '/clients', element: <ClientsPage /> },
  { path: '/clients/new', element: <RegisterClientPage /> },
  { path: '/clients/:id', element: <ClientPage /> },
];
