import { sql } from 'kysely';
import {
  storedChainHead,
  verifyStoredChain,
  type ChainHead,
  type CheckpointRef,
} from '../audit/audit.integrity.js';
import { migrations } from '../migrations/index.js';
import type { Executor } from '../shared/db.js';
import { VERSION } from '../shared/version.js';
import { checkLedger } from '../wallets/ledger.check.js';

/** The tables whose row counts a backup manifest records and a restore must reproduce. */
export const MONEY_TABLES = [
  'rfqs',
  'quotes',
  'trades',
  'settlements',
  'ledger_accounts',
  'ledger_entries',
  'ledger_postings',
  'evm_transfers',
  'audit_events',
  'audit_chain',
  'audit_checkpoints',
] as const;

/** What a backup manifest says about the database, all read in the dump's own snapshot. */
export interface DatabaseFigures {
  deskVersion: string;
  lastMigration: string | null;
  server: { version: string; major: number };
  audit: { head: ChainHead; checkpoint: CheckpointRef | null };
  rowCounts: Record<string, number>;
}

export async function readFigures(ex: Executor): Promise<DatabaseFigures> {
  const server = await sql<{ version: string; num: string }>`
    select current_setting('server_version') as version, current_setting('server_version_num') as num`.execute(
    ex,
  );
  const row = server.rows[0] ?? { version: '?', num: '0' };
  const rowCounts: Record<string, number> = {};
  for (const table of MONEY_TABLES) {
    const n = await sql<{ n: string }>`select count(*)::text as n from ${sql.table(table)}`.execute(ex);
    rowCounts[table] = Number(n.rows[0]?.n ?? 0);
  }
  return {
    deskVersion: VERSION,
    lastMigration: await lastMigration(ex),
    server: { version: row.version, major: Math.floor(Number(row.num) / 10_000) },
    audit: await storedChainHead(ex),
    rowCounts,
  };
}

async function lastMigration(ex: Executor): Promise<string | null> {
  const r = await sql<{ name: string }>`select name from desk_migrations order by name desc limit 1`.execute(
    ex,
  );
  return r.rows[0]?.name ?? null;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * The checks `desk db verify` runs on a live database and `desk db restore` on what it restored:
 * migrations current, the audit chain end to end against its signed checkpoints, the ledger balanced
 * per asset; given a manifest, also the chain's head and the row counts it recorded.
 */
export async function runChecks(ex: Executor, expected?: DatabaseFigures): Promise<Check[]> {
  const checks: Check[] = [];
  const names = Object.keys(migrations);
  const applied = await sql<{ name: string }>`select name from desk_migrations order by name`
    .execute(ex)
    .then((r) => r.rows.map((m) => m.name))
    .catch(() => [] as string[]);
  const pending = names.filter((n) => !applied.includes(n));
  const unknown = applied.filter((n) => !names.includes(n));
  checks.push({
    name: 'migrations',
    ok: pending.length === 0 && unknown.length === 0,
    detail:
      pending.length > 0
        ? `pending: ${pending.join(', ')} (run \`desk migrate up\`)`
        : unknown.length > 0
          ? `applied by a newer desk: ${unknown.join(', ')}`
          : `current (${applied.at(-1) ?? 'none'})`,
  });
  const chain = await verifyStoredChain(ex);
  checks.push({
    name: 'audit chain',
    ok: chain.ok,
    detail: chain.ok
      ? `seq 1–${chain.head.seq} intact, ${chain.checkpoints} signed checkpoints (keys ${chain.keyIds.join(', ') || 'none'})`
      : (chain.problem ?? 'broken'),
  });
  if (expected) {
    const want = expected.audit.head;
    checks.push({
      name: 'audit head',
      ok: chain.head.seq === want.seq && chain.head.hash === want.hash,
      detail: `seq ${chain.head.seq} ${chain.head.hash.slice(0, 16)}… (manifest: seq ${want.seq} ${want.hash.slice(0, 16)}…)`,
    });
  }
  const ledger = await checkLedger(ex);
  checks.push({
    name: 'ledger',
    ok: ledger.ok,
    detail: ledger.ok
      ? `balances per asset: ${ledger.assets.map((a) => `${a.asset} ${a.sum} over ${a.postings} postings`).join(', ') || 'no postings'}`
      : (ledger.problem ?? 'unbalanced'),
  });
  if (expected) {
    const actual = (await readFigures(ex)).rowCounts;
    const off = Object.entries(expected.rowCounts).filter(([t, n]) => actual[t] !== n);
    checks.push({
      name: 'row counts',
      ok: off.length === 0,
      detail:
        off.length === 0
          ? `${Object.keys(expected.rowCounts).length} tables match the manifest`
          : off.map(([t, n]) => `${t}: ${actual[t] ?? 'missing'}, manifest ${n}`).join('; '),
    });
  }
  return checks;
}

export function printChecks(checks: Check[], write: (line: string) => void): boolean {
  for (const c of checks) write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}`);
  return checks.every((c) => c.ok);
}
