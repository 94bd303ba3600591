import { sql, type Kysely } from 'kysely';

/**
 * EVM settlement (issue 13).
 *
 * Wallets: an `evm` adapter beside `paper`; a network may have a paper wallet from before a chain was
 * configured and an EVM one, so a wallet is unique by (network, adapter, address). Ledger: gas is a
 * desk expense (`expense` accounts, `gas` entries, in the chain's gas asset), and a wallet's balances
 * when the desk first sees it are an `opening` entry.
 *
 * `evm_nonces`: each hot wallet's next nonce, taken (row-locked, incremented) in the transaction that
 * persists the signed transaction it belongs to. `evm_transfers`: one per nonce the desk used;
 * `evm_attempts`: every signed transaction at that nonce (the first, each fee-bumped replacement, a
 * zero-value filler), raw bytes and fees stored before it is sent. `evm_scan_cursors` and
 * `evm_deposits`: the token's Transfer logs to the hot wallet, scanned from a persisted block; logs
 * of blocks not yet final are checked again and forgotten when their block leaves the chain.
 *
 * `paper_voided`: a prepared paper transfer the desk gave up, refused if broadcast later.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table wallets drop constraint wallets_adapter_check;
    alter table wallets add constraint wallets_adapter_check check (adapter in ('paper', 'evm'));
    alter table wallets drop constraint wallets_network_role_key;
    create unique index wallets_by_address on wallets (network, adapter, lower(address));

    alter table ledger_accounts drop constraint ledger_accounts_kind_check;
    alter table ledger_accounts add constraint ledger_accounts_kind_check
      check (kind in ('wallet', 'reserved', 'receivable', 'client', 'equity', 'expense'));
    alter table ledger_entries drop constraint ledger_entries_kind_check;
    alter table ledger_entries add constraint ledger_entries_kind_check
      check (kind in ('fund', 'reserve', 'settle', 'release', 'gas', 'opening'));

    create table evm_nonces (
      chain_id bigint not null,
      address text not null,
      next_nonce bigint not null check (next_nonce >= 0),
      primary key (chain_id, address)
    );

    create table evm_transfers (
      id uuid primary key default gen_random_uuid(),
      chain_id bigint not null,
      from_address text not null,
      nonce bigint not null,
      token text not null,
      to_address text not null,
      amount numeric(38, 0) not null check (amount > 0),
      reference text not null,
      created_at timestamptz not null,
      unique (chain_id, from_address, nonce)
    );
    create index evm_transfers_reference on evm_transfers (reference);

    create table evm_attempts (
      hash text primary key,
      transfer_id uuid not null references evm_transfers (id),
      n integer not null check (n >= 1),
      filler boolean not null default false,
      raw text not null,
      gas_limit numeric(38, 0) not null,
      max_fee_per_gas numeric(38, 0) not null,
      max_priority_fee_per_gas numeric(38, 0) not null,
      created_at timestamptz not null,
      unique (transfer_id, n)
    );
    create trigger evm_attempts_append_only before update or delete on evm_attempts for each row execute function desk_reject_mutation();

    create table evm_scan_cursors (
      chain_id bigint not null,
      token text not null,
      address text not null,
      next_block bigint not null,
      primary key (chain_id, token, address)
    );

    create table evm_deposits (
      chain_id bigint not null,
      tx_hash text not null,
      log_index integer not null,
      token text not null,
      block_number bigint not null,
      block_hash text not null,
      from_address text not null,
      to_address text not null,
      amount numeric(38, 0) not null,
      seen_at timestamptz not null,
      primary key (chain_id, tx_hash, log_index)
    );
    create index evm_deposits_to on evm_deposits (chain_id, token, to_address, block_number);

    create table paper_voided (
      hash text primary key,
      at timestamptz not null
    );
  `.execute(db);
}
