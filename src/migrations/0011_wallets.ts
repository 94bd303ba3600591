import { sql, type Kysely } from 'kysely';

/**
 * The wallets domain: a double-entry ledger, the desk's wallets, and the paper chain.
 *
 * Ledger: `ledger_entries` and `ledger_postings` are append-only; a deferred constraint trigger
 * refuses to commit an entry whose postings do not sum to zero per asset (or that has fewer than two
 * postings). `ledger_balances` is derived by a trigger on every posting and cannot be written
 * directly, so a balance is always the sum of its postings.
 *
 * Paper chain: a simulated blockchain kept in PostgreSQL (addresses with balances, transactions with
 * the block they landed in). Block height is derived from time (`genesis_at`, `block_seconds`), so it
 * advances on its own; a transaction lands in the block after the one current when it was broadcast.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table ledger_accounts (
      id text primary key,
      kind text not null check (kind in ('wallet', 'reserved', 'receivable', 'client', 'equity')),
      network text check (network in ('tron', 'ethereum')),
      name text not null,
      created_at timestamptz not null default now()
    );

    create table ledger_entries (
      id uuid primary key default gen_random_uuid(),
      key text not null unique,
      kind text not null check (kind in ('fund', 'reserve', 'settle', 'release')),
      settlement_id uuid,
      memo text not null,
      created_at timestamptz not null
    );
    create index ledger_entries_settlement on ledger_entries (settlement_id) where settlement_id is not null;

    create table ledger_postings (
      id bigserial primary key,
      entry_id uuid not null references ledger_entries (id),
      account_id text not null references ledger_accounts (id),
      asset text not null default 'USDT',
      amount numeric(38, 0) not null check (amount <> 0)
    );
    create index ledger_postings_account on ledger_postings (account_id, id);
    create index ledger_postings_entry on ledger_postings (entry_id);

    create table ledger_balances (
      account_id text not null references ledger_accounts (id),
      asset text not null,
      balance numeric(38, 0) not null,
      primary key (account_id, asset)
    );

    create trigger ledger_entries_append_only before update or delete on ledger_entries for each row execute function desk_reject_mutation();
    create trigger ledger_entries_no_truncate before truncate on ledger_entries for each statement execute function desk_reject_mutation();
    create trigger ledger_postings_append_only before update or delete on ledger_postings for each row execute function desk_reject_mutation();
    create trigger ledger_postings_no_truncate before truncate on ledger_postings for each statement execute function desk_reject_mutation();

    create function ledger_check_entry(entry uuid) returns void language plpgsql as $$
    declare
      unbalanced text;
      postings integer;
    begin
      select count(*) into postings from ledger_postings where entry_id = entry;
      if postings < 2 then
        raise exception 'ledger entry % has % posting(s): an entry needs at least two', entry, postings using errcode = '23514';
      end if;
      select string_agg(asset || ' ' || total::text, ', ') into unbalanced
        from (select asset, sum(amount) as total from ledger_postings where entry_id = entry group by asset having sum(amount) <> 0) t;
      if unbalanced is not null then
        raise exception 'ledger entry % does not balance: %', entry, unbalanced using errcode = '23514';
      end if;
    end $$;
    create function ledger_entry_must_balance() returns trigger language plpgsql as $$
    begin
      perform ledger_check_entry(new.id);
      return null;
    end $$;
    create function ledger_posting_entry_must_balance() returns trigger language plpgsql as $$
    begin
      perform ledger_check_entry(new.entry_id);
      return null;
    end $$;
    -- Checked at commit, once every posting is in: a new entry, and any entry a posting is added to later.
    create constraint trigger ledger_entries_balanced after insert on ledger_entries
      deferrable initially deferred for each row execute function ledger_entry_must_balance();
    create constraint trigger ledger_postings_balanced after insert on ledger_postings
      deferrable initially deferred for each row execute function ledger_posting_entry_must_balance();

    create function ledger_posting_balance() returns trigger language plpgsql as $$
    begin
      insert into ledger_balances (account_id, asset, balance) values (new.account_id, new.asset, new.amount)
        on conflict (account_id, asset) do update set balance = ledger_balances.balance + excluded.balance;
      return null;
    end $$;
    create trigger ledger_postings_balance after insert on ledger_postings for each row execute function ledger_posting_balance();

    create function ledger_balances_derived_only() returns trigger language plpgsql as $$
    begin
      if pg_trigger_depth() < 2 then
        raise exception 'ledger_balances is derived from ledger_postings: it cannot be written directly' using errcode = '42501';
      end if;
      return coalesce(new, old);
    end $$;
    create trigger ledger_balances_derived before insert or update or delete on ledger_balances for each row execute function ledger_balances_derived_only();

    create table wallets (
      id text primary key,
      network text not null check (network in ('tron', 'ethereum')),
      adapter text not null check (adapter in ('paper')),
      role text not null default 'hot' check (role in ('hot')),
      address text not null,
      account_id text not null references ledger_accounts (id),
      reserved_account_id text not null references ledger_accounts (id),
      receivable_account_id text not null references ledger_accounts (id),
      created_at timestamptz not null default now(),
      unique (network, role)
    );

    create table paper_chains (
      network text primary key check (network in ('tron', 'ethereum')),
      genesis_at timestamptz not null,
      block_seconds integer not null check (block_seconds > 0)
    );
    create table paper_accounts (
      network text not null references paper_chains (network),
      address text not null,
      balance numeric(38, 0) not null default 0 check (balance >= 0),
      primary key (network, address)
    );
    create table paper_transactions (
      hash text primary key,
      network text not null references paper_chains (network),
      from_address text not null,
      to_address text not null,
      amount numeric(38, 0) not null check (amount > 0),
      raw text not null,
      block_height bigint not null,
      broadcast_at timestamptz not null
    );
    create index paper_transactions_to on paper_transactions (network, to_address, block_height);
    create index paper_transactions_from on paper_transactions (network, from_address, block_height);
  `.execute(db);
}
