import type { ColumnType, Generated } from 'kysely';
import type { Units } from '../shared/money.js';
import type { Network } from '../shared/networks.js';

export type LedgerAccountKind = 'wallet' | 'reserved' | 'receivable' | 'client' | 'equity';
export type LedgerEntryKind = 'fund' | 'reserve' | 'settle' | 'release';

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
  adapter: 'paper';
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

export interface WalletTables {
  ledger_accounts: LedgerAccountsTable;
  ledger_entries: LedgerEntriesTable;
  ledger_postings: LedgerPostingsTable;
  ledger_balances: LedgerBalancesTable;
  wallets: WalletsTable;
  paper_chains: PaperChainsTable;
  paper_accounts: PaperAccountsTable;
  paper_transactions: PaperTransactionsTable;
}
