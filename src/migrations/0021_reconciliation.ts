import { sql, type Kysely } from 'kysely';

/**
 * Wallet reconciliation (issue 13): each run and each difference it found, append-only like the audit
 * tables (a trigger rejects UPDATE, DELETE and TRUNCATE). A run is written once, complete, with every
 * wallet and asset it compared: the chain balance at a stated block, the ledger balance at the same
 * point, what was in flight between them, and the difference that remains.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table reconciliation_runs (
      id uuid primary key default gen_random_uuid(),
      -- the order runs were recorded in (several can share a start time)
      seq bigint generated always as identity unique,
      started_at timestamptz not null,
      finished_at timestamptz not null,
      trigger text not null check (trigger in ('schedule', 'cli', 'api')),
      actor_id text,
      tolerance_units numeric(38, 0) not null,
      wallets integer not null,
      beyond_tolerance integer not null,
      error text
    );
    

    create table reconciliation_differences (
      id bigserial primary key,
      run_id uuid not null references reconciliation_runs (id),
      wallet_id text not null,
      network text not null,
      adapter text not null,
      asset text not null,
      block_height bigint,
      chain_balance numeric(38, 0),
      ledger_balance numeric(38, 0) not null,
      in_flight numeric(38, 0) not null,
      difference numeric(38, 0),
      beyond_tolerance boolean not null,
      error text
    );
    create index reconciliation_differences_of on reconciliation_differences (run_id, id);

    create trigger reconciliation_runs_append_only before update or delete on reconciliation_runs for each row execute function desk_reject_mutation();
    create trigger reconciliation_runs_no_truncate before truncate on reconciliation_runs for each statement execute function desk_reject_mutation();
    create trigger reconciliation_differences_append_only before update or delete on reconciliation_differences for each row execute function desk_reject_mutation();
    create trigger reconciliation_differences_no_truncate before truncate on reconciliation_differences for each statement execute function desk_reject_mutation();
  `.execute(db);
}
