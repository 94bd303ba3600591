import type { ColumnType, Generated } from 'kysely';

type Big = ColumnType<string, string | number | bigint, string | number | bigint>;

export interface EvmNoncesTable {
  chain_id: Big;
  address: string;
  next_nonce: Big;
}

export interface EvmTransfersTable {
  id: Generated<string>;
  chain_id: Big;
  from_address: string;
  nonce: Big;
  token: string;
  to_address: string;
  amount: Big;
  reference: string;
  created_at: Date;
}

export interface EvmAttemptsTable {
  hash: string;
  transfer_id: string;
  n: number;
  filler: Generated<boolean>;
  raw: string;
  gas_limit: Big;
  max_fee_per_gas: Big;
  max_priority_fee_per_gas: Big;
  created_at: Date;
}

export interface EvmScanCursorsTable {
  chain_id: Big;
  token: string;
  address: string;
  next_block: Big;
}

export interface EvmDepositsTable {
  chain_id: Big;
  tx_hash: string;
  log_index: number;
  token: string;
  block_number: Big;
  block_hash: string;
  from_address: string;
  to_address: string;
  amount: Big;
  seen_at: Date;
}

export interface EvmTables {
  evm_nonces: EvmNoncesTable;
  evm_transfers: EvmTransfersTable;
  evm_attempts: EvmAttemptsTable;
  evm_scan_cursors: EvmScanCursorsTable;
  evm_deposits: EvmDepositsTable;
}
