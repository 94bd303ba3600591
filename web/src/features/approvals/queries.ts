import { useInfiniteQuery, useQueries, useQuery } from '@tanstack/react-query';
import { api, qs } from '../../api/client';
import type {
  ChangeRequest,
  ChangeRequestDetail,
  EligibleApprover,
  Policy,
  RequestPage,
  RequestStatus,
} from '../../api/types';

/**
 * Query keys the live stream refreshes (app/live.ts): everything under `['approvals']` on any
 * approval event, and `['approval', id]` (with everything under it) for the request that changed.
 */
export const keys = {
  list: (filter: ListFilter) => ['approvals', 'list', filter] as const,
  policies: ['approvals', 'policies'] as const,
  detail: (id: string) => ['approval', id] as const,
  eligible: (id: string) => ['approval', id, 'eligible-approvers'] as const,
  operatorName: (id: string) => ['operator-name', id] as const,
};

export type QueueTab = 'open' | 'mine' | 'all';

export interface ListFilter {
  tab: QueueTab;
  kind: string;
  /** One status, or '' for every status the tab covers. */
  status: RequestStatus | '';
}

export const PAGE_SIZE = 25;

export function listQueryString(filter: ListFilter, cursor: string | null): string {
  const status =
    filter.tab === 'mine'
      ? undefined
      : filter.status || (filter.tab === 'open' ? 'pending,awaiting_secondary' : undefined);
  return qs({
    status,
    kind: filter.kind || undefined,
    awaitingMe: filter.tab === 'mine' ? 'true' : undefined,
    cursor,
    limit: PAGE_SIZE,
  });
}

export function useApprovalList(filter: ListFilter) {
  return useInfiniteQuery({
    queryKey: keys.list(filter),
    queryFn: ({ pageParam }) => api.get<RequestPage>(`/api/approvals${listQueryString(filter, pageParam)}`),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function usePolicies() {
  return useQuery({
    queryKey: keys.policies,
    queryFn: () => api.get<{ items: Policy[] }>('/api/approvals/policies'),
    staleTime: 5 * 60_000,
  });
}

export function useApproval(id: string) {
  return useQuery({
    queryKey: keys.detail(id),
    queryFn: () => api.get<ChangeRequestDetail>(`/api/approvals/${id}`),
    retry: false,
  });
}

export function useEligibleApprovers(id: string, enabled: boolean) {
  return useQuery({
    queryKey: keys.eligible(id),
    queryFn: () => api.get<{ items: EligibleApprover[] }>(`/api/approvals/${id}/eligible-approvers`),
    enabled,
  });
}

/**
 * The queue's list answer names nobody (only ids), so the requester's name is looked up once per
 * operator through one of their requests' detail, and kept: names rarely change.
 */
export function useRequesterNames(items: ChangeRequest[]): Map<string, string> {
  const byOperator = new Map<string, string>();
  for (const r of items) {
    if (
      r.requestedBy.type === 'operator' &&
      r.requestedBy.id &&
      !r.requestedBy.name &&
      !byOperator.has(r.requestedBy.id)
    )
      byOperator.set(r.requestedBy.id, r.id);
  }
  const entries = [...byOperator.entries()];
  const results = useQueries({
    queries: entries.map(([operatorId, requestId]) => ({
      queryKey: keys.operatorName(operatorId),
      queryFn: async () =>
        (await api.get<ChangeRequestDetail>(`/api/approvals/${requestId}`)).requestedBy.name ?? null,
      staleTime: Infinity,
    })),
  });
  const names = new Map<string, string>();
  entries.forEach(([operatorId], i) => {
    const name = results[i]?.data;
    if (name) names.set(operatorId, name);
  });
  for (const r of items)
    if (r.requestedBy.id && r.requestedBy.name) names.set(r.requestedBy.id, r.requestedBy.name);
  return names;
}
