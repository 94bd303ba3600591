import { useQuery } from '@tanstack/react-query';
import { api, qs } from '../../api/client';
import type { ChangeRequest, Flag, FlagDetail, RequestPage } from '../../api/types';

/** `['flags']` and `['flag', key]`: the live stream (app/live.ts) refreshes both on every flag change. */
export const flagKeys = {
  list: ['flags'] as const,
  detail: (key: string) => ['flag', key] as const,
  openRequests: ['approvals', 'flag.set', 'open'] as const,
};

export function useFlags() {
  return useQuery({ queryKey: flagKeys.list, queryFn: () => api.get<{ items: Flag[] }>('/api/flags') });
}

export function useFlag(key: string) {
  return useQuery({
    queryKey: flagKeys.detail(key),
    queryFn: () => api.get<FlagDetail>(`/api/flags/${encodeURIComponent(key)}`),
    retry: false,
  });
}

/** Open `flag.set` requests (under `['approvals']`, so approval events refresh them). */
export function useOpenFlagRequests(enabled: boolean) {
  return useQuery({
    queryKey: flagKeys.openRequests,
    queryFn: () =>
      api.get<RequestPage>(
        `/api/approvals${qs({ kind: 'flag.set', status: 'pending,awaiting_secondary', limit: 200 })}`,
      ),
    enabled,
  });
}

export function requestsFor(key: string, page: RequestPage | undefined): ChangeRequest[] {
  return (page?.items ?? []).filter(
    (r) =>
      typeof r.payload === 'object' && r.payload !== null && (r.payload as { key?: unknown }).key === key,
  );
}

export const VIA_LABELS: Record<string, string> = {
  seed: 'initial value',
  request: 'approved request (dual control)',
  emergency: 'emergency stop',
  sql: 'changed directly in the database',
};
