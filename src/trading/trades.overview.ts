import { sql } from 'kysely';
import type { Executor } from '../shared/db.js';
import { formatUsdt } from '../shared/money.js';
import { NETWORKS, type Network } from '../shared/networks.js';
import { BUCKET_ORIGIN, bucketsOf, fill, type WindowName } from '../shared/windows.js';

/** Trade volume (USDT, not cancelled) per bucket and network over a window, on `trades_recent` (booked_at). */
export async function tradesOverview(db: Executor, name: WindowName, now: Date) {
  const w = bucketsOf(name, now);
  const rows = await sql<{ t: Date; network: Network; units: string; n: string }>`
    select date_bin(${w.bucket}::interval, booked_at, ${BUCKET_ORIGIN}::timestamptz) as t, network,
      sum(amount_units)::text as units, count(*) as n
    from trades where booked_at >= ${w.start} and status <> 'cancelled'
    group by 1, 2`.execute(db);
  const of = (n: Network) => rows.rows.filter((r) => r.network === n);
  return {
    window: name,
    bucketSeconds: w.bucketMs / 1000,
    buckets: w.starts.map((s) => new Date(s).toISOString()),
    /** USDT decimal strings, exact. */
    volumeUsdt: Object.fromEntries(
      NETWORKS.map((n) => [
        n,
        fill(
          w.starts,
          of(n).map((r) => ({ t: r.t, v: formatUsdt(BigInt(r.units)) })),
          '0',
        ),
      ]),
    ) as Record<Network, string[]>,
    trades: Object.fromEntries(
      NETWORKS.map((n) => [
        n,
        fill(
          w.starts,
          of(n).map((r) => ({ t: r.t, v: Number(r.n) })),
          0,
        ),
      ]),
    ) as Record<Network, number[]>,
  };
}
