import { sql } from 'kysely';
import type { Executor } from '../shared/db.js';
import { BUCKET_ORIGIN, bucketsOf, fill, type WindowName } from '../shared/windows.js';

const OPEN = ['queued', 'submitted'] as const;
const OUTCOMES = ['confirmed', 'failed', 'cancelled', 'held'] as const;
type Outcome = (typeof OUTCOMES)[number];

/**
 * The overview's settlement charts for one window, each a bucketed query on an indexed time column
 * bounded by the window's start, so the cost follows what happened in the window, not the history:
 * outcomes per bucket (by when a settlement left the queue), booked → confirmed latency (p50, p95),
 * queue depth at each bucket's end (today's depth walked back through the window's entries and
 * exits), and flagged events opened and closed.
 */
export async function settlementOverview(db: Executor, name: WindowName, now: Date) {
  const w = bucketsOf(name, now);
  const bin = (col: string) =>
    sql<Date>`date_bin(${w.bucket}::interval, ${sql.ref(col)}, ${BUCKET_ORIGIN}::timestamptz)`;
  const left = sql.raw('coalesce(confirmed_at, updated_at)');
  const leftBin = sql<Date>`date_bin(${w.bucket}::interval, ${left}, ${BUCKET_ORIGIN}::timestamptz)`;

  const [outcomes, latency, entered, open, opened, closed] = await Promise.all([
    sql<{ t: Date; status: Outcome; n: string }>`
      select ${leftBin} as t, status, count(*) as n from settlements
      where updated_at >= ${w.start} and ${left} >= ${w.start} and status in (${sql.join([...OUTCOMES])})
      group by 1, 2`.execute(db),
    sql<{ t: Date; p50: number; p95: number }>`
      select ${bin('confirmed_at')} as t,
        percentile_cont(0.5) within group (order by extract(epoch from confirmed_at - booked_at))::float8 as p50,
        percentile_cont(0.95) within group (order by extract(epoch from confirmed_at - booked_at))::float8 as p95
      from settlements
      where updated_at >= ${w.start} and confirmed_at >= ${w.start} and status = 'confirmed'
      group by 1`.execute(db),
    sql<{ t: Date; n: string }>`
      select ${bin('created_at')} as t, count(*) as n from settlements
      where created_at >= ${w.start} group by 1`.execute(db),
    sql<{ n: string }>`
      select count(*) as n from settlements where status in (${sql.join([...OPEN])})`.execute(db),
    sql<{ t: Date; n: string }>`
      select ${bin('created_at')} as t, count(*) as n from settlement_flagged_events
      where created_at >= ${w.start} group by 1`.execute(db),
    sql<{ t: Date; n: string }>`
      select ${bin('resolved_at')} as t, count(*) as n from settlement_flagged_events
      where resolved_at >= ${w.start} group by 1`.execute(db),
  ]);

  const count = (rows: { t: Date; n: string }[]) =>
    fill(
      w.starts,
      rows.map((r) => ({ t: r.t, v: Number(r.n) })),
      0,
    );
  const byOutcome = Object.fromEntries(
    OUTCOMES.map((o) => [o, count(outcomes.rows.filter((r) => r.status === o))]),
  ) as Record<Outcome, number[]>;
  // Depth at a bucket's end = depth now − what entered after it + what left after it.
  const ins = count(entered.rows);
  const outs = OUTCOMES.reduce(
    (acc, o) => acc.map((v, i) => v + (byOutcome[o][i] ?? 0)),
    w.starts.map(() => 0),
  );
  const depth: number[] = new Array<number>(w.starts.length).fill(0);
  let d = Number(open.rows[0]?.n ?? 0);
  for (let i = w.starts.length - 1; i >= 0; i--) {
    depth[i] = Math.max(0, d);
    d = d - (ins[i] ?? 0) + (outs[i] ?? 0);
  }
  const lat = new Map(latency.rows.map((r) => [new Date(r.t).getTime(), r]));
  return {
    window: name,
    bucketSeconds: w.bucketMs / 1000,
    buckets: w.starts.map((s) => new Date(s).toISOString()),
    outcomes: byOutcome,
    latencySeconds: {
      p50: w.starts.map((s) => lat.get(s)?.p50 ?? null),
      p95: w.starts.map((s) => lat.get(s)?.p95 ?? null),
    },
    queueDepth: depth,
    flagged: { opened: count(opened.rows), closed: count(closed.rows) },
  };
}
