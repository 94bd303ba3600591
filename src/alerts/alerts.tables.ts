import type { ColumnType, Generated } from 'kysely';

export const ALERT_STATES = ['inactive', 'pending', 'firing', 'resolved'] as const;
export type AlertStateName = (typeof ALERT_STATES)[number];

type Numeric = ColumnType<string, string, string>;
type NullableNumeric = ColumnType<string | null, string | null, string | null>;
type Json<T> = ColumnType<T, string, string>;

/** A rule's stored parameters: seeded once from configuration, then changed only by `alert.rule`. */
export interface AlertRulesTable {
  name: string;
  threshold: Numeric;
  for_seconds: number;
  keep_firing_for_seconds: number;
  version: Generated<number>;
  /** Which settings seeded the row (`{ threshold: 'ALERT_X_THRESHOLD' }`), for the record. */
  seeded_from: Json<Record<string, string>>;
  updated_at: Date;
  updated_by_request: string | null;
}

export interface AlertStateTable {
  name: string;
  state: AlertStateName;
  value: NullableNumeric;
  since: Date;
  episode: string | null;
  firing_since: Date | null;
  cleared_since: Date | null;
  last_notified_at: Date | null;
  samples: ColumnType<[number, number][], string | undefined, string>;
  evaluated_at: Date | null;
  transitions: ColumnType<Partial<Record<AlertStateName, number>>, string | undefined, string>;
  silenced_until: Date | null;
  silence_reason: string | null;
  silenced_by: string | null;
}

/** Append-only (a trigger refuses UPDATE and DELETE): every transition of every rule. */
export interface AlertEventsTable {
  id: Generated<string>;
  rule: string;
  from_state: AlertStateName;
  to_state: AlertStateName;
  value: NullableNumeric;
  threshold: Numeric;
  labels: Json<Record<string, string>>;
  episode: string | null;
  started_at: Date;
  ended_at: Date | null;
  at: Date;
  silenced: Generated<boolean>;
}

export interface WorkerHeartbeatsTable {
  worker_id: string;
  beat_at: Date;
}

export interface DeskErrorCountsTable {
  source: string;
  n: ColumnType<string, string | number, string | number>;
}

export interface AlertTables {
  alert_rules: AlertRulesTable;
  alert_state: AlertStateTable;
  alert_events: AlertEventsTable;
  worker_heartbeats: WorkerHeartbeatsTable;
  desk_error_counts: DeskErrorCountsTable;
}
