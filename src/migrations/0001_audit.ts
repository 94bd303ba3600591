import { sql, type Kysely } from 'kysely';

/**
 * The audit trail. `audit_events` is written by every service inside its own transaction;
 * `audit_chain` is filled afterwards by the sealer job in commit-safe order (so hashing never
 * serialises business transactions); `audit_checkpoints` holds Ed25519-signed chain heads.
 * All three are append-only: the database itself rejects UPDATE, DELETE and TRUNCATE.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function desk_reject_mutation() returns trigger language plpgsql as $$
    begin
      raise exception '% is append-only: % is not allowed', tg_table_name, tg_op using errcode = '42501';
    end $$;

    create table audit_events (
      id bigserial primary key,
      occurred_at timestamptz not null default clock_timestamp(),
      tx_id xid8 not null default pg_current_xact_id(),
      actor_type text not null check (actor_type in ('operator', 'client', 'system', 'cli', 'database')),
      actor_id text,
      action text not null,
      entity_type text,
      entity_id text,
      request_id text,
      ip text,
      data jsonb not null default '{}'::jsonb
    );
    create index audit_events_occurred_at on audit_events (occurred_at, id);
    create index audit_events_action on audit_events (action, id);
    create index audit_events_actor on audit_events (actor_id, id);
    -- The sealer reads only events whose transaction finished after the previous seal's horizon.
    create index audit_events_tx on audit_events (tx_id);
    create index audit_events_entity on audit_events (entity_type, entity_id, id);

    create table audit_chain (
      seq bigint primary key,
      -- No foreign key on purpose: its check would take a row lock on (and so rewrite) every event it
      -- seals, and events can never be deleted anyway. The sealer only inserts ids it has just read.
      event_id bigint not null unique,
      digest text not null,
      prev_hash text not null,
      hash text not null,
      sealed_at timestamptz not null default now()
    );

    create table audit_checkpoints (
      id bigserial primary key,
      seq bigint not null,
      hash text not null,
      created_at timestamptz not null,
      -- Every event written by a transaction older than this was chained at or before this checkpoint.
      tx_horizon xid8 not null,
      key_id text not null,
      public_key text not null,
      signature text not null
    );
    create index audit_checkpoints_seq on audit_checkpoints (seq);
  `.execute(db);

  for (const table of ['audit_events', 'audit_chain', 'audit_checkpoints']) {
    await sql`
      create trigger ${sql.raw(`${table}_no_update_delete`)} before update or delete on ${sql.table(table)}
        for each row execute function desk_reject_mutation();
      create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)}
        for each statement execute function desk_reject_mutation();
    `.execute(db);
  }
}
