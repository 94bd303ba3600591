import { sql, type Kysely } from 'kysely';

/**
 * The settlement domain: one settlement per trade (a requeue reuses it, so a trade has at most one
 * prepared transfer, ever), its timeline, the flagged events (never deleted), and counters kept by
 * triggers so that /metrics reads a handful of rows whatever the size of the tables.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table settlements (
      id uuid primary key default gen_random_uuid(),
      trade_id uuid not null unique references trades (id),
      client_id uuid not null references clients (id),
      side text not null check (side in ('buy', 'sell')),
      network text not null check (network in ('tron', 'ethereum')),
      amount_units numeric(38, 0) not null check (amount_units > 0),
      counterparty text not null,
      wallet_id text not null references wallets (id),
      status text not null check (status in ('queued', 'submitted', 'confirmed', 'failed', 'held', 'cancelled')),
      attempts integer not null default 0,
      last_error text,
      tx_hash text unique,
      raw_tx text,
      confirmations integer not null default 0,
      booked_at timestamptz not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      confirmed_at timestamptz,
      version integer not null default 1
    );
    create index settlements_list on settlements (created_at desc, id desc);
    create index settlements_by_status on settlements (status, created_at, id);

    create table settlement_steps (
      id bigserial primary key,
      settlement_id uuid not null references settlements (id),
      at timestamptz not null,
      step text not null,
      detail jsonb not null default '{}'
    );
    create index settlement_steps_of on settlement_steps (settlement_id, id);
    create trigger settlement_steps_append_only before update or delete on settlement_steps for each row execute function desk_reject_mutation();

    create table settlement_flagged_events (
      id uuid primary key default gen_random_uuid(),
      trade_id uuid not null references trades (id),
      settlement_id uuid references settlements (id),
      reason text not null check (reason in ('AUTO_SETTLEMENT_DISABLED', 'LARGE_NOTIONAL_REVIEW', 'INSUFFICIENT_HOT_WALLET_BALANCE', 'MAX_RETRIES_EXCEEDED')),
      detail text,
      trade_snapshot jsonb not null,
      status text not null default 'open' check (status in ('open', 'requeued', 'dismissed')),
      created_at timestamptz not null,
      resolved_at timestamptz,
      resolved_by_request uuid,
      resolution_note text
    );
    create unique index settlement_flagged_one_open on settlement_flagged_events (trade_id) where status = 'open';
    create index settlement_flagged_list on settlement_flagged_events (status, reason, created_at desc, id desc);

    -- Never deleted, and resolved only once: open → requeued | dismissed.
    create function settlement_flagged_guard() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        raise exception 'settlement_flagged_events are never deleted' using errcode = '42501';
      end if;
      if old.status <> 'open' or new.status = 'open'
         or (new.trade_id, new.reason, new.trade_snapshot, new.created_at) is distinct from (old.trade_id, old.reason, old.trade_snapshot, old.created_at) then
        raise exception 'a flagged event moves only once, from open to requeued or dismissed' using errcode = '42501';
      end if;
      return new;
    end $$;
    create trigger settlement_flagged_guard before update or delete on settlement_flagged_events for each row execute function settlement_flagged_guard();
    create trigger settlement_flagged_no_truncate before truncate on settlement_flagged_events for each statement execute function desk_reject_mutation();

    -- Sharded counters: concurrent writers rarely meet on one row; a scrape sums a few dozen rows.
    create table settlement_counts (
      metric text not null,
      label text not null,
      shard smallint not null,
      n bigint not null default 0,
      primary key (metric, label, shard)
    );
    create function settlement_count(m text, l text, d integer) returns void language sql as $$
      insert into settlement_counts (metric, label, shard, n) values (m, l, floor(random() * 8)::smallint, d)
        on conflict (metric, label, shard) do update set n = settlement_counts.n + excluded.n;
    $$;
    create function settlements_counted() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        perform settlement_count('queue', new.status, 1);
      elsif new.status is distinct from old.status then
        perform settlement_count('queue', old.status, -1);
        perform settlement_count('queue', new.status, 1);
      end if;
      return null;
    end $$;
    create trigger settlements_counted after insert or update of status on settlements for each row execute function settlements_counted();
    create function settlement_flagged_counted() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        if new.status = 'open' then perform settlement_count('flagged_open', new.reason, 1); end if;
      elsif old.status = 'open' and new.status <> 'open' then
        perform settlement_count('flagged_open', old.reason, -1);
      end if;
      return null;
    end $$;
    create trigger settlement_flagged_counted after insert or update of status on settlement_flagged_events for each row execute function settlement_flagged_counted();

    -- Dismissing a held-back fill cancels its trade: dual-controlled like a requeue.
    insert into approval_policies (kind, primary_roles, secondary_roles, ttl_seconds, tiers) values
      ('settlement.dismiss', '{ops_approver,risk_officer}', '{risk_officer}', 24 * 3600, '[]')
      on conflict (kind) do nothing;
  `.execute(db);
}
