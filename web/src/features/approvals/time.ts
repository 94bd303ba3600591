import { isOpen } from './model';
import type { RequestStatus } from '../../api/types';

/**
 * Ages and time left, to the second when it matters: a request with minutes left shows seconds so
 * an approver sees the clock move; one with days left does not need them.
 */

const pad = (n: number) => String(n).padStart(2, '0');

/** "1 d 4 h", "3 h 05 min", "12 min 07 s", "42 s" (never negative). */
export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${pad(s % 60)} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${pad(m % 60)} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** "just now", "5 min 02 s ago", "2 d 1 h ago". */
export function formatAge(createdAt: string, now: number): string {
  const ms = now - new Date(createdAt).getTime();
  return ms < 5_000 ? 'just now' : `${formatSpan(ms)} ago`;
}

export type TimeLeftTone = 'ok' | 'soon' | 'expired' | 'closed';

export interface TimeLeft {
  text: string;
  tone: TimeLeftTone;
}

/** Fifteen minutes or less is "soon": the request is worth looking at before anything else. */
export const SOON_MS = 15 * 60 * 1000;

/**
 * Time left before an open request expires. Decided requests have none ("—"). Past the expiry the
 * desk refuses decisions even if the request is still listed as open (the expiry job closes it).
 */
export function timeLeft(request: { status: RequestStatus; expiresAt: string }, now: number): TimeLeft {
  if (!isOpen(request.status)) return { text: '—', tone: 'closed' };
  const ms = new Date(request.expiresAt).getTime() - now;
  if (ms <= 0) return { text: 'expired', tone: 'expired' };
  return { text: formatSpan(ms), tone: ms <= SOON_MS ? 'soon' : 'ok' };
}
