import type { FeatureRoute } from '../../app/App';

export const approvalRoutes: FeatureRoute[] = [];
