import { sql } from 'kysely';
import type { Executor } from '../shared/db.js';
import type { Selectable } from 'kysely';
import type { QuotesTable } from './trading.tables.js';

type QuoteRow = Selectable<QuotesTable>;

const RECENT = 10;

/**
 * Each pricing source's last hour (answers, refusals or timeouts, latency p50 and p95) and its latest
 * answers, through `quotes_by_source` (source, received_at): one bounded read per source.
 */
export async function sourcesOverview(ex: Executor, names: readonly string[], now: Date) {
  const since = new Date(now.getTime() - 3_600_000);
  return Promise.all(
    names.map(async (name) => {
      const [stats, recent] = await Promise.all([
        sql<{ n: string; failed: string; p50: number | null; p95: number | null }>`
          select count(*) as n, count(*) filter (where status = 'failed') as failed,
            percentile_cont(0.5) within group (order by latency_ms)::float8 as p50,
            percentile_cont(0.95) within group (order by latency_ms)::float8 as p95
          from quotes where source = ${name} and received_at >= ${since}`.execute(ex),
        ex
          .selectFrom('quotes')
          .selectAll()
          .where('source', '=', name)
          .orderBy('received_at', 'desc')
          .limit(RECENT)
          .execute() as Promise<QuoteRow[]>,
      ]);
      const s = stats.rows[0];
      return {
        name,
        lastHour: {
          answers: Number(s?.n ?? 0),
          failed: Number(s?.failed ?? 0),
          latencyMsP50: s?.p50 ?? null,
          latencyMsP95: s?.p95 ?? null,
        },
        recent,
      };
    }),
  );
}
