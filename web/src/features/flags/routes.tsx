import type { FeatureRoute } from '../../app/App';

export const flagRoutes: FeatureRoute[] = [];
