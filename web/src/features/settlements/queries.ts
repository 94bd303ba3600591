import { useInfiniteQuery, useQueries, useQuery } from '@tanstack/react-query';
import { api, qs } from '../../api/client';
import type { RequestPage } from '../../api/types';
import type {
  FlaggedEvent,
  FlaggedStatus,
  FlagReason,
  Network,
  Page,
  Settlement,
  SettlementDetail,
  SettlementStatus,
  Summary,
} from './model';

/**
 * Everything here lives under `['settlements']` (lists, flagged, summary) or `['settlement', id]`:
 * the live stream (app/live.ts) refreshes them on `settlement.changed` and `settlement.flagged`.
 */
export const settlementKeys = {
  all: ['settlements'] as const,
  summary: ['settlements', 'summary'] as const,
  list: (f: ListFilter) => ['settlements', 'list', f] as const,
  flagged: (f: FlaggedFilter) => ['settlements', 'flagged', f] as const,
  detail: (id: string) => ['settlement', id] as const,
  openRequests: ['approvals', 'settlement', 'open'] as const,
};

export interface ListFilter {
  status: SettlementStatus | '';
  network: Network | '';
}

export interface FlaggedFilter {
  status: FlaggedStatus | '';
  reason: FlagReason | '';
}

export const PAGE_SIZE = 25;

export function useSummary() {
  return useQuery({
    queryKey: settlementKeys.summary,
    queryFn: () => api.get<Summary>('/api/settlements/summary'),
  });
}

export function useSettlementList(f: ListFilter) {
  return useInfiniteQuery({
    queryKey: settlementKeys.list(f),
    queryFn: ({ pageParam }) =>
      api.get<Page<Settlement> & { paper: boolean }>(
        `/api/settlements${qs({ status: f.status, network: f.network, cursor: pageParam, limit: PAGE_SIZE })}`,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useFlagged(f: FlaggedFilter) {
  return useInfiniteQuery({
    queryKey: settlementKeys.flagged(f),
    queryFn: ({ pageParam }) =>
      api.get<Page<FlaggedEvent>>(
        `/api/settlements/flagged${qs({ status: f.status, reason: f.reason, cursor: pageParam, limit: PAGE_SIZE })}`,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useSettlement(id: string) {
  return useQuery({
    queryKey: settlementKeys.detail(id),
    queryFn: () => api.get<SettlementDetail>(`/api/settlements/${encodeURIComponent(id)}`),
    retry: false,
  });
}

/** Open settlement.requeue / settlement.dismiss requests (under `['approvals']`, so approval events refresh them). */
export function useOpenSettlementRequests(enabled: boolean) {
  return useQuery({
    queryKey: settlementKeys.openRequests,
    queryFn: async () => {
      const [requeue, dismiss] = await Promise.all(
        ['settlement.requeue', 'settlement.dismiss'].map((kind) =>
          api.get<RequestPage>(
            `/api/approvals${qs({ kind, status: 'pending,awaiting_secondary', limit: 200 })}`,
          ),
        ),
      );
      return [...(requeue?.items ?? []), ...(dismiss?.items ?? [])];
    },
    enabled,
  });
}

/** Client names for the ids settlements carry (GET /api/clients/:id, clients:read); a short id otherwise. */
export function useClientNames(
  ids: readonly (string | undefined)[],
  enabled: boolean,
): (id: string | undefined) => string {
  const unique = enabled ? [...new Set(ids.filter((id): id is string => !!id))] : [];
  const looked = useQueries({
    queries: unique.map((id) => ({
      queryKey: ['client-name', id] as const,
      queryFn: async () =>
        await api.get<{ name: string | null; company: string | null }>(
          `/api/clients/${encodeURIComponent(id)}`,
        ),
      staleTime: Infinity,
      retry: false,
    })),
  });
  const known = new Map<string, string>();
  unique.forEach((id, i) => {
    const c = looked[i]?.data;
    if (c?.name) known.set(id, c.company ? `${c.name} (${c.company})` : c.name);
  });
  return (id) => (id ? (known.get(id) ?? `client ${id.slice(0, 8)}`) : '—');
}
