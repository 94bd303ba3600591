import type { FeatureRoute } from '../../app/App';

export const accountRoutes: FeatureRoute[] = [];
