import pg from 'pg';

/**
 * Counts what this process sends to PostgreSQL: every `pg.Client` query is one round trip (pg does not
 * pipeline), BEGIN / COMMIT / ROLLBACK included. Only while a `count` runs, and only meaningful when
 * nothing else in the process talks to the database meanwhile (run the counted calls one at a time).
 */
let installed = false;
let active: { statements: number; transactionControl: number } | null = null;

function install(): void {
  if (installed) return;
  installed = true;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    if (active) {
      const first = args[0] as string | { text?: string } | undefined;
      const text = (typeof first === 'string' ? first : (first?.text ?? '')).trim().toLowerCase();
      if (/^(begin|commit|rollback|start transaction|savepoint|release)/.test(text))
        active.transactionControl++;
      else active.statements++;
    }
    return original.apply(this, args);
  };
}

export interface StatementCount {
  /** Statements other than transaction control. */
  statements: number;
  /** BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE. */
  transactionControl: number;
  /** Both: every one is a round trip. */
  roundTrips: number;
}

export async function countStatements(fn: () => Promise<unknown>): Promise<StatementCount> {
  install();
  if (active) throw new Error('countStatements does not nest');
  active = { statements: 0, transactionControl: 0 };
  try {
    await fn();
    return { ...active, roundTrips: active.statements + active.transactionControl };
  } finally {
    active = null;
  }
}

/** The mean of several counts, as a table cell. */
export function describeCounts(counts: StatementCount[]): string {
  const n = Math.max(1, counts.length);
  const mean = (k: keyof StatementCount) => (counts.reduce((a, c) => a + c[k], 0) / n).toFixed(1);
  return `${mean('statements')} statements + ${mean('transactionControl')} BEGIN/COMMIT = ${mean('roundTrips')} round trips (mean of ${counts.length}, one at a time)`;
}
