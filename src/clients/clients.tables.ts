import type { Generated } from 'kysely';
import type { Units } from '../shared/money.js';
import type { Network } from '../shared/networks.js';

export type ClientStatus = 'pending' | 'active' | 'suspended';
export type AddressStatus = 'pending' | 'whitelisted' | 'removed';

export interface ClientsTable {
  id: Generated<string>;
  /** bigint, read as a string; null for a client an operator registered for API-only use. */
  telegram_user_id: string | null;
  telegram_username: string | null;
  name: string;
  company: string;
  country: string;
  monthly_volume: string;
  status: Generated<ClientStatus>;
  version: Generated<number>;
  /** The operator who registered an API-only client (null: applied through the bot). */
  registered_by: Generated<string | null>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** A payout address; paid only once a co-signed `client.address` whitelisted it. */
export interface ClientAddressesTable {
  id: Generated<string>;
  client_id: string;
  network: Network;
  address: string;
  status: Generated<AddressStatus>;
  version: Generated<number>;
  created_at: Generated<Date>;
  whitelisted_at: Date | null;
  removed_at: Date | null;
}

export interface ClientLimitsTable {
  client_id: string;
  /** null: the desk's default from config. */
  max_per_trade_units: Units | null;
  max_per_day_units: Units | null;
  version: Generated<number>;
  updated_at: Generated<Date>;
}

/** Client API keys: stored as a hash; the key itself is shown once. */
export interface ClientApiKeysTable {
  id: Generated<string>;
  client_id: string;
  prefix: string;
  key_hash: string;
  label: string | null;
  created_by: string;
  created_at: Generated<Date>;
  revoked_at: Date | null;
  revoked_by: string | null;
  last_used_at: Date | null;
}

export interface ClientTables {
  clients: ClientsTable;
  client_addresses: ClientAddressesTable;
  client_limits: ClientLimitsTable;
  client_api_keys: ClientApiKeysTable;
}
