import type { FeatureRoute } from '../../app/App';

export const operatorRoutes: FeatureRoute[] = [];
