import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';

export type Window = '1h' | '24h' | '7d';
export const WINDOWS: Window[] = ['1h', '24h', '7d'];
export const WINDOW_WORDS: Record<Window, string> = {
  '1h': 'Last hour',
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
};

interface Buckets {
  window: Window;
  bucketSeconds: number;
  buckets: string[];
}
export interface SettlementOverview extends Buckets {
  outcomes: { confirmed: number[]; failed: number[]; cancelled: number[]; held: number[] };
  latencySeconds: { p50: (number | null)[]; p95: (number | null)[] };
  queueDepth: number[];
  flagged: { opened: number[]; closed: number[] };
}
export interface ApprovalsOverview extends Buckets {
  waiting: number;
  oldestWaitingAt: string | null;
  awaitingMe: number;
  filed: number[];
  decided: number[];
  secondsToDecision: (number | null)[];
}
export interface TradesOverview extends Buckets {
  volumeUsdt: { tron: string[]; ethereum: string[] };
  trades: { tron: number[]; ethereum: number[] };
}

/**
 * Under the keys the live stream already refreshes: settlement events refresh `['settlements']`
 * and `['trades']`, approval events `['approvals']` (app/live.ts).
 */
export const useSettlementOverview = (w: Window, enabled: boolean) =>
  useQuery({
    queryKey: ['settlements', 'overview', w],
    queryFn: () => api.get<SettlementOverview>(`/api/settlements/overview?window=${w}`),
    enabled,
  });
export const useApprovalsOverview = (w: Window) =>
  useQuery({
    queryKey: ['approvals', 'overview', w],
    queryFn: () => api.get<ApprovalsOverview>(`/api/approvals/overview?window=${w}`),
  });
export const useTradesOverview = (w: Window, enabled: boolean) =>
  useQuery({
    queryKey: ['trades', 'overview', w],
    queryFn: () => api.get<TradesOverview>(`/api/trades/overview?window=${w}`),
    enabled,
  });
