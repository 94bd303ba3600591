/** "3 min", "2 h 5 min", "1 d 4 h": for ages and time left. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/**
 * The console's timestamps, each with its time zone ("Dec 2, 2026, 12:17:01 PM UTC"): the one place
 * they are formatted, so a time read off a phone in Singapore and a laptop in London can be compared.
 */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  });
}

/** "Dec 2, 12:17:01 UTC": for table cells, where the full date would wrap. */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  });
}

/** "12:17:01 UTC": a time later today (a code's expiry). */
export function clockTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleTimeString(undefined, { timeZoneName: 'short' });
}

export function value(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (Array.isArray(v)) return v.length ? v.map((x) => value(x)).join(', ') : '(none)';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

export const STATUS_LABELS: Record<string, string> = {
  pending: 'Pending',
  awaiting_secondary: 'Awaiting co-sign',
  approved: 'Approved',
  rejected: 'Rejected',
  expired: 'Expired',
  cancelled: 'Cancelled',
  failed: 'Failed',
};
