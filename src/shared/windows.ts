import { z } from 'zod';

/** The overview's chart windows and the width of one bar in each (so every chart has 60–168 buckets). */
export const WINDOWS = {
  '1h': { ms: 3_600_000, bucketMs: 60_000, bucket: '1 minute' },
  '24h': { ms: 86_400_000, bucketMs: 900_000, bucket: '15 minutes' },
  '7d': { ms: 7 * 86_400_000, bucketMs: 3_600_000, bucket: '1 hour' },
} as const;
export type WindowName = keyof typeof WINDOWS;
export const windowQuery = z.object({ window: z.enum(['1h', '24h', '7d']).default('24h') }).strict();

/** Buckets are aligned to this instant, in SQL (`date_bin`) and here alike. */
export const BUCKET_ORIGIN = '2000-01-01T00:00:00Z';
const ORIGIN_MS = Date.parse(BUCKET_ORIGIN);

/** The window ending now: the first bucket's start (aligned) and every bucket's start, oldest first. */
export function bucketsOf(name: WindowName, now: Date) {
  const w = WINDOWS[name];
  const last = now.getTime() - ((now.getTime() - ORIGIN_MS) % w.bucketMs);
  const count = Math.round(w.ms / w.bucketMs);
  const starts = Array.from({ length: count }, (_, i) => last - (count - 1 - i) * w.bucketMs);
  return { ...w, start: new Date(starts[0] ?? last), starts };
}

/** Rows of (bucket start, value) laid on the window's buckets; buckets without a row get `empty`. */
export function fill<T>(starts: number[], rows: { t: Date; v: T }[], empty: T): T[] {
  const at = new Map(rows.map((r) => [new Date(r.t).getTime(), r.v]));
  return starts.map((s) => at.get(s) ?? empty);
}

export const bucketSchema = z.object({
  window: z.enum(['1h', '24h', '7d']),
  bucketSeconds: z.number(),
  /** Each bucket's start, ISO 8601, oldest first; every series below has one value per bucket. */
  buckets: z.array(z.string()),
});
