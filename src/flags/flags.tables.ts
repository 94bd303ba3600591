import type { Generated } from 'kysely';

export interface FeatureFlagsTable {
  key: string;
  enabled: boolean;
  description: string;
  updated_at: Generated<Date>;
  updated_by_type: Generated<string>;
  updated_by_id: string | null;
  reason: string | null;
  request_id: string | null;
  version: Generated<number>;
}

export interface FeatureFlagChangesTable {
  id: Generated<string>;
  key: string;
  enabled: boolean;
  previous: boolean | null;
  via: 'seed' | 'request' | 'emergency' | 'sql';
  actor_type: string;
  actor_id: string | null;
  reason: string | null;
  request_id: string | null;
  at: Generated<Date>;
}

export interface FlagReviewsTable {
  id: Generated<string>;
  flag_key: string;
  change_id: string;
  opened_by: string;
  reason: string;
  status: Generated<'open' | 'acknowledged'>;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
  comment: string | null;
  created_at: Generated<Date>;
}

export interface FlagTables {
  feature_flags: FeatureFlagsTable;
  feature_flag_changes: FeatureFlagChangesTable;
  flag_reviews: FlagReviewsTable;
}
