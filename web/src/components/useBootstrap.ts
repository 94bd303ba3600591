import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';

export interface BootstrapStatus {
  active: boolean;
  endedAt: string | null;
  endedBy: 'explicit' | 'first_decision' | null;
  reason: string | null;
}

/** Under `['approvals']`: the first decided request ends the bootstrap, and its live event refreshes this. */
export const bootstrapKey = ['approvals', 'bootstrap'] as const;

/**
 * Whether the desk is still in its bootstrap (roles granted directly to the founding team), GET
 * /api/bootstrap.
 */
export function useBootstrap(enabled = true) {
  return useQuery({
    queryKey: bootstrapKey,
    queryFn: () => api.get<BootstrapStatus>('/api/bootstrap'),
    enabled,
    staleTime: 10_000,
  });
}
