import type { ColumnType, Generated } from 'kysely';
import type { Units } from '../shared/money.js';
import type { Network } from '../shared/networks.js';

export type LedgerAccountKind = 'wallet' | 'reserved' | 'receivable' | 'client' | 'equity' | 'expense';
export type LedgerEntryKind = 'fund' | 'reserve' | 'settle' | 'release' | 'gas' | 'opening';
export type AdapterKind = 'paper' | 'evm';

export interface LedgerAccountsTable {
  id: string;
  kind: LedgerAccountKind;
  network: Network | null;
  name: string;
  created_at: Generated<Date>;
}

export interface LedgerEntriesTable {
  id: Generated<string>;
  /** Idempotency: one entry per key, e.g. `reserve:<settlement id>`. */
  key: string;
  kind: LedgerEntryKind;
  settlement_id: string | null;
  memo: string;
  created_at: Date;
}

export interface LedgerPostingsTable {
  id: Generated<string>;
  entry_id: string;
  account_id: string;
  asset: Generated<string>;
  /** Signed smallest units; the postings of an entry sum to zero per asset. */
  amount: Units;
}

export interface LedgerBalancesTable {
  account_id: string;
  asset: string;
  balance: Units;
}

export interface WalletsTable {
  id: string;
  network: Network;
  adapter: AdapterKind;
  role: Generated<'hot'>;
  address: string;
  account_id: string;
  reserved_account_id: string;
  receivable_account_id: string;
  created_at: Generated<Date>;
}

export interface PaperChainsTable {
  network: Network;
  genesis_at: Date;
  block_seconds: number;
}

export interface PaperAccountsTable {
  network: Network;
  address: string;
  balance: Units;
}

export interface PaperTransactionsTable {
  hash: string;
  network: Network;
  from_address: string;
  to_address: string;
  amount: Units;
  raw: string;
  block_height: ColumnType<string, string | number, never>;
  broadcast_at: Date;
}

export interface PaperVoidedTable {
  hash: string;
  at: Date;
}

export interface ReconciliationRunsTable {
  id: Generated<string>;
  seq: ColumnType<string, never, never>;
  started_at: Date;
  finished_at: Date;
  trigger: 'schedule' | 'cli' | 'api';
  actor_id: string | null;
  tolerance_units: Units;
  wallets: number;
  beyond_tolerance: number;
  error: string | null;
}

export interface ReconciliationDifferencesTable {
  id: Generated<string>;
  run_id: string;
  wallet_id: string;
  network: Network;
  adapter: AdapterKind;
  asset: string;
  block_height: ColumnType<string | null, string | number | null, never>;
  chain_balance: ColumnType<string | null, string | null, never>;
  ledger_balance: Units;
  in_flight: Units;
  difference: ColumnType<string | null, string | null, never>;
  beyond_tolerance: boolean;
  error: string | null;
}

export interface WalletTables {
  ledger_accounts: LedgerAccountsTable;
  ledger_entries: LedgerEntriesTable;
  ledger_postings: LedgerPostingsTable;
  ledger_balances: LedgerBalancesTable;
  wallets: WalletsTable;
  paper_chains: PaperChainsTable;
  paper_accounts: PaperAccountsTable;
  paper_transactions: PaperTransactionsTable;
  paper_voided: PaperVoidedTable;
  reconciliation_runs: ReconciliationRunsTable;
  reconciliation_differences: ReconciliationDifferencesTable;
}
