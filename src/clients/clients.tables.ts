import type { Generated } from 'kysely';

export type ClientStatus = 'pending' | 'active' | 'suspended';

export interface ClientsTable {
  id: Generated<string>;
  /** bigint, read as a string. */
  telegram_user_id: string;
  telegram_username: string | null;
  name: string;
  company: string;
  country: string;
  monthly_volume: string;
  status: Generated<ClientStatus>;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ClientTables {
  clients: ClientsTable;
}
