import type { ReactNode } from 'react';

/** Each feature contributes `{ path, element }` routes under the signed-in layout. */
export interface FeatureRoute {
  path: string;
  element: ReactNode;
}
