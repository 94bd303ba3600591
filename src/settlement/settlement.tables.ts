import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { Side, Units } from '../shared/money.js';
import type { Network } from '../shared/networks.js';

export const SETTLEMENT_STATUSES = [
  'queued',
  'submitted',
  'confirmed',
  'failed',
  'held',
  'cancelled',
] as const;
export type SettlementStatus = (typeof SETTLEMENT_STATUSES)[number];
export const FLAG_REASONS = [
  'AUTO_SETTLEMENT_DISABLED',
  'LARGE_NOTIONAL_REVIEW',
  'INSUFFICIENT_HOT_WALLET_BALANCE',
  'MAX_RETRIES_EXCEEDED',
] as const;
export type FlagReason = (typeof FLAG_REASONS)[number];
export type FlaggedStatus = 'open' | 'requeued' | 'dismissed';

export interface SettlementsTable {
  id: Generated<string>;
  trade_id: string;
  client_id: string;
  side: Side;
  network: Network;
  amount_units: Units;
  /** Buy: the client's payout address. Sell: the whitelisted address the client sends from. */
  counterparty: string;
  wallet_id: string;
  status: SettlementStatus;
  attempts: Generated<number>;
  last_error: string | null;
  tx_hash: string | null;
  /** The signed transfer, persisted before it is broadcast (a crash re-broadcasts this, never a new one). */
  raw_tx: string | null;
  confirmations: Generated<number>;
  booked_at: Date;
  created_at: Date;
  updated_at: Date;
  confirmed_at: Date | null;
  version: Generated<number>;
}

export interface SettlementStepsTable {
  id: Generated<string>;
  settlement_id: string;
  at: Date;
  step: string;
  detail: JSONColumnType<Record<string, unknown>, string, never>;
}

export interface SettlementFlaggedEventsTable {
  id: Generated<string>;
  trade_id: string;
  settlement_id: string | null;
  reason: FlagReason;
  detail: string | null;
  trade_snapshot: JSONColumnType<Record<string, unknown>, string, string>;
  status: Generated<FlaggedStatus>;
  created_at: Date;
  resolved_at: Date | null;
  resolved_by_request: string | null;
  resolution_note: string | null;
}

export interface SettlementCountsTable {
  metric: string;
  label: string;
  shard: number;
  n: ColumnType<string, never, never>;
}

export interface SettlementTables {
  settlements: SettlementsTable;
  settlement_steps: SettlementStepsTable;
  settlement_flagged_events: SettlementFlaggedEventsTable;
  settlement_counts: SettlementCountsTable;
}
