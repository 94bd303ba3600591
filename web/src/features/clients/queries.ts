import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, qs } from '../../api/client';
import type { Network, Page } from '../settlements/model';
import type { Activity, ApiKey, Client, ClientDetail, ClientRequest, ClientStatus } from './model';

/**
 * Everything here lives under `['clients']` or `['client', id]`; the live stream refreshes them when a
 * request is decided (approval events) or a trade settles (settlement events), see app/live.ts.
 */
export const clientKeys = {
  list: (f: ClientFilter) => ['clients', 'list', f] as const,
  detail: (id: string) => ['client', id] as const,
  keys: (id: string) => ['client', id, 'keys'] as const,
  requests: (id: string) => ['client', id, 'requests'] as const,
};

export interface ClientFilter {
  q: string;
  status: ClientStatus | '';
  network: Network | '';
  activity: Activity | '';
}

export function useClientList(f: ClientFilter) {
  return useInfiniteQuery({
    queryKey: clientKeys.list(f),
    queryFn: ({ pageParam }) =>
      api.get<Page<Client>>(
        `/api/clients${qs({ q: f.q.trim(), status: f.status, network: f.network, activity: f.activity, cursor: pageParam, limit: 25 })}`,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useClient(id: string) {
  return useQuery({
    queryKey: clientKeys.detail(id),
    queryFn: () => api.get<ClientDetail>(`/api/clients/${encodeURIComponent(id)}`),
    retry: false,
  });
}

export function useApiKeys(id: string, enabled: boolean) {
  return useQuery({
    queryKey: clientKeys.keys(id),
    queryFn: () => api.get<{ items: ApiKey[] }>(`/api/clients/${encodeURIComponent(id)}/api-keys`),
    enabled,
  });
}

export function useClientRequests(id: string) {
  return useQuery({
    queryKey: clientKeys.requests(id),
    queryFn: () => api.get<{ items: ClientRequest[] }>(`/api/clients/${encodeURIComponent(id)}/requests`),
  });
}
