import type { FeatureRoute } from '../../app/App';

export const auditRoutes: FeatureRoute[] = [];
