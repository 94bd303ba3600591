import { sql } from 'kysely';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Db } from '../shared/db.js';
import { SETTLEMENT_STATUSES } from './settlement.tables.js';

export interface SettlementMetrics {
  duration: Histogram;
}

/** Sums of the trigger-kept counters (a few rows per label), never a scan of settlements. */
async function counts(db: Db, metric: string): Promise<Map<string, number>> {
  const { rows } = await sql<{
    label: string;
    n: string;
  }>`select label, sum(n)::text as n from settlement_counts where metric = ${metric} group by label`.execute(
    db,
  );
  return new Map(rows.map((r) => [r.label, Number(r.n)]));
}

/**
 * Queue depth, flagged counts and attempts come from `settlement_counts`, kept by triggers and by the
 * worker in the same transactions as the changes they count: exact across processes and restarts,
 * and a scrape reads a few dozen rows whatever the size of the tables.
 */
export function createSettlementMetrics(registry: Registry, db: Db): SettlementMetrics {
  new Gauge({
    name: 'desk_settlement_queue_depth',
    help: 'Settlements by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const c = await counts(db, 'queue');
      for (const status of SETTLEMENT_STATUSES) this.set({ status }, c.get(status) ?? 0);
    },
  });
  new Gauge({
    name: 'desk_settlement_flagged_open',
    help: 'Flagged settlement events still open',
    registers: [registry],
    async collect() {
      this.set([...(await counts(db, 'flagged_open')).values()].reduce((a, b) => a + b, 0));
    },
  });
  new Counter({
    name: 'desk_settlement_flagged_total',
    help: 'Fills held back from settlement, by reason',
    labelNames: ['reason'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [reason, n] of await counts(db, 'flagged_total')) this.inc({ reason }, n);
    },
  });
  new Counter({
    name: 'desk_settlement_attempts_total',
    help: 'Settlement broadcast attempts by result (ok, retry, failed)',
    labelNames: ['result'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [result, n] of await counts(db, 'attempts')) this.inc({ result }, n);
    },
  });
  return {
    duration: new Histogram({
      name: 'desk_settlement_duration_seconds',
      help: 'From booking to confirmed settlement',
      buckets: [1, 5, 15, 30, 60, 120, 300, 900, 3600],
      registers: [registry],
    }),
  };
}
