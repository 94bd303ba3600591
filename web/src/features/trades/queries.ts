import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, qs } from '../../api/client';
import type { Network, Page, SettlementDetail, Settlement } from '../settlements/model';
import type { TradeStatus } from './TradeTable';
import type { Trade, TradeDetail } from './model';

/**
 * Under `['trades']` and `['trade', id]`: the live stream refreshes them on settlement and approval
 * events (a trade settles, a cancel or amend is decided), see app/live.ts.
 */
export interface TradeFilter {
  status: TradeStatus | '';
  side: 'buy' | 'sell' | '';
  network: Network | '';
  client: string;
  from: string;
  to: string;
}

/** A local date-time ("2026-12-02T10:00") as the instant it names here. */
const instant = (local: string) => (local ? new Date(local).toISOString() : '');

export function useTradeList(f: TradeFilter) {
  return useInfiniteQuery({
    queryKey: ['trades', 'list', f],
    queryFn: ({ pageParam }) =>
      api.get<Page<Trade>>(
        `/api/trades${qs({ status: f.status, side: f.side, network: f.network, client: f.client, from: instant(f.from), to: instant(f.to), cursor: pageParam, limit: 25 })}`,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useTrade(id: string) {
  return useQuery({
    queryKey: ['trade', id],
    queryFn: () => api.get<TradeDetail>(`/api/trades/${encodeURIComponent(id)}`),
    retry: false,
  });
}

/** The trade's settlement and its timeline, if it has one (a held-back fill has none until requeued). */
export function useTradeSettlement(tradeId: string, enabled: boolean) {
  return useQuery({
    queryKey: ['trade', tradeId, 'settlement'],
    queryFn: async () => {
      const page = await api.get<Page<Settlement>>(`/api/settlements${qs({ tradeId, limit: 5 })}`);
      const first = page.items[0];
      return first ? api.get<SettlementDetail>(`/api/settlements/${first.id}`) : null;
    },
    enabled,
  });
}
