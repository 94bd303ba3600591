import { sql, type Kysely } from 'kysely';

/**
 * Trading: payout addresses (whitelisted only through co-signed `client.address` requests), client
 * limits (`client.limits`), the house reference price, RFQs with every quote received (the
 * best-execution record) and trades. USDT amounts are integers of smallest units (6 decimals) in
 * numeric(38,0); prices are numeric and travel as decimal strings.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table client_addresses (
      id uuid primary key default gen_random_uuid(),
      client_id uuid not null references clients (id),
      network text not null check (network in ('tron', 'ethereum')),
      address text not null,
      status text not null default 'pending' check (status in ('pending', 'whitelisted', 'removed')),
      version integer not null default 1,
      created_at timestamptz not null default now(),
      whitelisted_at timestamptz,
      removed_at timestamptz
    );
    create unique index client_addresses_live on client_addresses (client_id, network, address) where status <> 'removed';

    create table client_limits (
      client_id uuid primary key references clients (id),
      max_per_trade_units numeric(38, 0) check (max_per_trade_units > 0),
      max_per_day_units numeric(38, 0) check (max_per_day_units > 0),
      version integer not null default 1,
      updated_at timestamptz not null default now()
    );

    create table pricing_references (
      source text primary key,
      mid numeric not null check (mid > 0),
      set_at timestamptz not null,
      set_by_type text not null,
      set_by_id text
    );

    create table rfqs (
      id uuid primary key default gen_random_uuid(),
      client_id uuid not null references clients (id),
      side text not null check (side in ('buy', 'sell')),
      network text not null check (network in ('tron', 'ethereum')),
      amount_units numeric(38, 0) not null check (amount_units > 0),
      outcome text not null check (outcome in ('quoted', 'no_quote')),
      best_quote_id uuid,
      created_at timestamptz not null default now()
    );
    create index rfqs_client on rfqs (client_id, created_at desc);

    create table quotes (
      id uuid primary key default gen_random_uuid(),
      rfq_id uuid not null references rfqs (id),
      client_id uuid not null references clients (id),
      source text not null,
      side text not null,
      network text not null,
      amount_units numeric(38, 0) not null,
      price numeric,
      total text,
      status text not null check (status in ('offered', 'not_best', 'failed', 'accepted')),
      error text,
      latency_ms integer not null,
      received_at timestamptz not null,
      expires_at timestamptz
    );
    create index quotes_rfq on quotes (rfq_id);

    create table trades (
      id uuid primary key default gen_random_uuid(),
      quote_id uuid not null unique references quotes (id),
      rfq_id uuid not null references rfqs (id),
      client_id uuid not null references clients (id),
      side text not null check (side in ('buy', 'sell')),
      network text not null check (network in ('tron', 'ethereum')),
      amount_units numeric(38, 0) not null check (amount_units > 0),
      price numeric not null,
      total text not null,
      address_id uuid not null references client_addresses (id),
      address text not null,
      status text not null default 'booked',
      version integer not null default 1,
      booked_at timestamptz not null
    );
    create index trades_client on trades (client_id, booked_at desc);
    create index trades_status on trades (status, booked_at desc);
  `.execute(db);
}
