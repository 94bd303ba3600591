import { sql } from 'kysely';
import type { Executor } from '../shared/db.js';
import { BUCKET_ORIGIN, bucketsOf, fill, type WindowName } from '../shared/windows.js';

/**
 * The overview's approvals numbers: what waits now (with the oldest; the open-requests index) and,
 * over the window, requests filed and decided per bucket with the mean time from filing to decision
 * (`change_requests_recent` and `change_requests_decided`, bounded by the window's start).
 */
export async function approvalsOverview(db: Executor, name: WindowName, now: Date) {
  const w = bucketsOf(name, now);
  const bin = (col: string) =>
    sql<Date>`date_bin(${w.bucket}::interval, ${sql.ref(col)}, ${BUCKET_ORIGIN}::timestamptz)`;
  const [waiting, filed, decided] = await Promise.all([
    sql<{ n: string; oldest: Date | null }>`
      select count(*) as n, min(created_at) as oldest from change_requests
      where status in ('pending', 'awaiting_secondary')`.execute(db),
    sql<{ t: Date; n: string }>`
      select ${bin('created_at')} as t, count(*) as n from change_requests
      where created_at >= ${w.start} group by 1`.execute(db),
    sql<{ t: Date; n: string; secs: number }>`
      select ${bin('decided_at')} as t, count(*) as n,
        avg(extract(epoch from decided_at - created_at))::float8 as secs
      from change_requests where decided_at >= ${w.start} group by 1`.execute(db),
  ]);
  const oldest = waiting.rows[0]?.oldest ?? null;
  return {
    window: name,
    bucketSeconds: w.bucketMs / 1000,
    buckets: w.starts.map((s) => new Date(s).toISOString()),
    waiting: Number(waiting.rows[0]?.n ?? 0),
    oldestWaitingAt: oldest ? new Date(oldest).toISOString() : null,
    filed: fill(
      w.starts,
      filed.rows.map((r) => ({ t: r.t, v: Number(r.n) })),
      0,
    ),
    decided: fill(
      w.starts,
      decided.rows.map((r) => ({ t: r.t, v: Number(r.n) })),
      0,
    ),
    secondsToDecision: fill<number | null>(
      w.starts,
      decided.rows.map((r) => ({ t: r.t, v: r.secs })),
      null,
    ),
  };
}
