import type { ColumnType, Generated } from 'kysely';
import type { Side, Units } from '../shared/money.js';
import type { Network } from '../shared/networks.js';

export type QuoteStatus = 'offered' | 'not_best' | 'failed' | 'accepted';

export interface PricingReferencesTable {
  source: string;
  mid: string;
  set_at: Date;
  set_by_type: string;
  set_by_id: string | null;
  /** Moved by exactly one per change (the approvals engine's staleness check). */
  version: Generated<number>;
  /** The mid of the last co-signed `pricing.reference`: direct moves are measured from it too. */
  anchor_mid: string | null;
  /** The co-signed request that set it, if one did. */
  set_by_request: string | null;
}

/** `tiers`: `[{ fromUsdt: "0", bps: 15 }, …]` ascending from 0 (checked by `validateSpreadTiers`); written as JSON text. */
export interface PricingSpreadsTable {
  source: string;
  tiers: ColumnType<{ fromUsdt: string; bps: number }[], string, string>;
  set_at: Date;
  set_by_type: string;
  set_by_id: string | null;
  version: Generated<number>;
  /** The co-signed `pricing.spreads` request that set them. */
  set_by_request: string | null;
}

export interface RfqsTable {
  id: Generated<string>;
  client_id: string;
  side: Side;
  network: Network;
  amount_units: Units;
  outcome: 'quoted' | 'no_quote';
  best_quote_id: string | null;
  created_at: Generated<Date>;
}

export interface QuotesTable {
  id: Generated<string>;
  rfq_id: string;
  client_id: string;
  source: string;
  side: Side;
  network: Network;
  amount_units: Units;
  price: string | null;
  total: string | null;
  status: QuoteStatus;
  error: string | null;
  latency_ms: number;
  received_at: Date;
  expires_at: Date | null;
}

export interface TradesTable {
  id: Generated<string>;
  quote_id: string;
  rfq_id: string;
  client_id: string;
  side: Side;
  network: Network;
  amount_units: Units;
  price: string;
  total: string;
  address_id: string;
  address: string;
  status: Generated<string>;
  version: Generated<number>;
  booked_at: Date;
}

export interface ClientIdempotencyKeysTable {
  client_id: string;
  key: string;
  quote_id: string;
  created_at: Generated<Date>;
}

export interface TradingTables {
  client_idempotency_keys: ClientIdempotencyKeysTable;
  pricing_references: PricingReferencesTable;
  pricing_spreads: PricingSpreadsTable;
  rfqs: RfqsTable;
  quotes: QuotesTable;
  trades: TradesTable;
}
