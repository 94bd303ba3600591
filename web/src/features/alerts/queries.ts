import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, qs } from '../../api/client';
import type { Role } from '../../api/types';

export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved';
export type Severity = 'critical' | 'warning' | 'info';

export interface AlertRule {
  name: string;
  summary: string;
  measure: string;
  unit: string;
  comparison: string;
  threshold: string;
  forSeconds: number;
  keepFiringForSeconds: number;
  severity: Severity;
  owner: Role;
  runbook: string;
  expr: string;
  state: AlertState;
  value: string | null;
  since: string | null;
  firingSince: string | null;
  evaluatedAt: string | null;
  silence: { until: string; reason: string; by: string | null } | null;
}

export interface AlertEvent {
  id: string;
  rule: string;
  from: AlertState;
  to: AlertState;
  value: string | null;
  threshold: string;
  startedAt: string;
  endedAt: string | null;
  at: string;
  silenced: boolean;
}

export interface EventFilter {
  rule?: string;
  from?: string;
  to?: string;
}

/** `['alerts']`: the live stream (app/live.ts) refreshes it, and the history, on every alert change. */
export const alertKeys = {
  list: ['alerts'] as const,
  events: (f: EventFilter) => ['alerts', 'events', f] as const,
  runbook: (name: string) => ['alerts', 'runbook', name] as const,
};

export function useAlerts(enabled = true) {
  return useQuery({
    queryKey: alertKeys.list,
    queryFn: () => api.get<{ items: AlertRule[]; firing: number }>('/api/alerts'),
    enabled,
  });
}

export function useAlertEvents(f: EventFilter) {
  return useInfiniteQuery({
    queryKey: alertKeys.events(f),
    queryFn: ({ pageParam }) =>
      api.get<{ items: AlertEvent[]; nextCursor: string | null }>(
        `/api/alerts/events${qs({ rule: f.rule, from: f.from, to: f.to, cursor: pageParam, limit: 50 })}`,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function useRunbook(name: string) {
  return useQuery({
    queryKey: alertKeys.runbook(name),
    queryFn: () =>
      api.get<{ name: string; path: string; markdown: string }>(
        `/api/alerts/${encodeURIComponent(name)}/runbook`,
      ),
    retry: false,
  });
}

/** `3600 seconds` → `1 h`; other units as they are. */
export function formatValue(value: string | null, unit: string): string {
  if (value === null) return '—';
  if (unit === 'seconds') {
    const s = Math.round(Number(value));
    if (s < 120) return `${s} s`;
    if (s < 7200) return `${Math.round(s / 60)} min`;
    return `${Number((s / 3600).toFixed(1))} h`;
  }
  if (unit === 'USDT') return `${Number(value).toLocaleString('en-US', { maximumFractionDigits: 6 })} USDT`;
  if (unit === 'ETH') return `${Number(value).toLocaleString('en-US', { maximumFractionDigits: 6 })} ETH`;
  if (unit === 'flag') return value === '1' ? 'on' : 'off';
  return value;
}

export function formatFor(seconds: number): string {
  if (seconds === 0) return 'at once';
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
