import type { ActorType } from '../shared/request-context.js';
import type { ColumnType, Generated } from 'kysely';

export interface AuditEventsTable {
  id: ColumnType<string, never, never>;
  occurred_at: ColumnType<Date, never, never>;
  tx_id: ColumnType<string, never, never>;
  actor_type: ActorType;
  actor_id: string | null;
  action: string;
  entity_type: string | null;
  entity_id: string | null;
  request_id: string | null;
  ip: string | null;
  data: ColumnType<unknown, string, never>;
}

export interface AuditChainTable {
  seq: string;
  event_id: string;
  digest: string;
  prev_hash: string;
  hash: string;
  sealed_at: ColumnType<Date, never, never>;
}

export interface AuditCheckpointsTable {
  id: Generated<string>;
  seq: string;
  hash: string;
  created_at: Date;
  tx_horizon: string;
  key_id: string;
  public_key: string;
  signature: string;
}

export interface AuditTables {
  audit_events: AuditEventsTable;
  audit_chain: AuditChainTable;
  audit_checkpoints: AuditCheckpointsTable;
}
