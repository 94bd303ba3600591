import { sql } from 'kysely';
import { Counter, type Registry } from 'prom-client';
import type { Db } from './db.js';

/** Where an unexpected error happened: an HTTP 5xx, a failed job, a Telegram delivery given up for good. */
export type ErrorSource = 'http' | 'job' | 'telegram';
export const ERROR_SOURCES: readonly ErrorSource[] = ['http', 'job', 'telegram'];

export interface ErrorCounts {
  /** Counts one error (written at once, never awaited by the failing path; a failed write is only logged). */
  note(source: ErrorSource): void;
  /** The same, awaited. */
  record(source: ErrorSource): Promise<void>;
  /** Resolves when every noted error is written (tests, shutdown). */
  settled(): Promise<void>;
}

/**
 * `desk_errors_total{source}`, kept in PostgreSQL (`desk_error_counts`, one row per source) so every
 * process counts into one total: the alert evaluator in a worker sees the 5xx of every API node, and a
 * scrape of any node reads the same three rows.
 */
export function createErrorCounts(db: Db, registry: Registry, onWriteError?: (err: unknown) => void) {
  const inFlight = new Set<Promise<void>>();
  new Counter({
    name: 'desk_errors_total',
    help: 'Unexpected errors by source: http (5xx answers), job (jobs failed for good), telegram (deliveries given up)',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      const rows = await db.selectFrom('desk_error_counts').select(['source', 'n']).execute();
      this.reset();
      for (const source of ERROR_SOURCES) this.inc({ source }, 0);
      for (const r of rows) this.inc({ source: r.source }, Number(r.n));
    },
  });
  const record = async (source: ErrorSource) => {
    await sql`insert into desk_error_counts (source, n) values (${source}, 1)
      on conflict (source) do update set n = desk_error_counts.n + 1`.execute(db);
  };
  const counts: ErrorCounts = {
    record,
    note(source) {
      const p = record(source).catch((err: unknown) => onWriteError?.(err));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    },
    async settled() {
      await Promise.all([...inFlight]);
    },
  };
  return counts;
}
