import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';

export interface BootstrapStatus {
  active: boolean;
  endedAt: string | null;
  endedBy: 'explicit' | 'first_decision' | null;
  reason: string | null;
}

export const bootstrapKey = ['bootstrap'] as const;

/**
 * Whether the desk is still in its bootstrap (roles granted directly to the founding team), GET
 * /api/bootstrap. It ends with the first decided request, which the live stream reports under
 * `['approvals']`, so the page asking refetches on focus and mount.
 */
export function useBootstrap(enabled = true) {
  return useQuery({
    queryKey: bootstrapKey,
    queryFn: () => api.get<BootstrapStatus>('/api/bootstrap'),
    enabled,
    staleTime: 10_000,
  });
}
