import type { ColumnType, Generated } from 'kysely';
import type { Role } from '../shared/roles.js';
import type { Notional, PolicyTier, RequestStatus } from './approvals.rules.js';

type Json<T> = ColumnType<T, string, string>;

export interface ApprovalPoliciesTable {
  kind: string;
  primary_roles: ColumnType<Role[], Role[], Role[]>;
  secondary_roles: ColumnType<Role[], Role[], Role[]>;
  ttl_seconds: number;
  tiers: Json<PolicyTier[]>;
  version: Generated<number>;
  updated_at: Generated<Date>;
  updated_by_request: string | null;
}

export interface ChangeRequestsTable {
  id: Generated<string>;
  kind: string;
  payload: Json<unknown>;
  digest: string;
  diff: Json<unknown>;
  summary: string;
  entity_type: string;
  entity_id: string;
  entity_version: number | null;
  requested_by_type: 'operator' | 'client' | 'system';
  requested_by_id: string | null;
  note: string | null;
  status: Generated<RequestStatus>;
  policy: Json<unknown>;
  /** What the policy's `notional` tiers judged at filing (null: the kind has none); migration 0051. */
  notional: ColumnType<Notional | null, string | null, string | null>;
  expires_at: Date;
  primary_approver_id: string | null;
  primary_reason: string | null;
  primary_at: Date | null;
  secondary_approver_id: string | null;
  secondary_reason: string | null;
  secondary_at: Date | null;
  rejected_by: string | null;
  rejection_reason: string | null;
  failure_reason: string | null;
  decided_at: Date | null;
  idempotency_key: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ChangeRequestEventsTable {
  id: Generated<string>;
  request_id: string;
  at: Generated<Date>;
  action: string;
  actor_type: string;
  actor_id: string | null;
  reason: string | null;
  data: Json<unknown>;
}

export interface ApprovalTables {
  approval_policies: ApprovalPoliciesTable;
  change_requests: ChangeRequestsTable;
  change_request_events: ChangeRequestEventsTable;
}
