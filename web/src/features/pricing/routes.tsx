import type { FeatureRoute } from '../../app/FeatureRoute';
import '../../components/screens.css';
import '../clients/clients.css';
import { PricingPage } from './PricingPage';

export const pricingRoutes: FeatureRoute[] = [{ path: '/pricing', element: <PricingPage /> }];
