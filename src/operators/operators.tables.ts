import type { ColumnType, Generated } from 'kysely';
import type { Role } from '../shared/roles.js';

export interface OperatorsTable {
  id: Generated<string>;
  email: string;
  name: string;
  password_hash: string;
  roles: ColumnType<Role[], Role[] | undefined, Role[]>;
  status: Generated<'active' | 'deactivated'>;
  mfa_secret_enc: string | null;
  mfa_enrolled_at: Date | null;
  mfa_pending_secret_enc: string | null;
  failed_logins: Generated<number>;
  locked_until: Date | null;
  telegram_user_id: string | null;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface OperatorSessionsTable {
  id: Generated<string>;
  operator_id: string;
  created_at: Generated<Date>;
  expires_at: Date;
  revoked_at: Date | null;
  mfa_verified: Generated<boolean>;
  step_up_until: Date | null;
  ip: string | null;
  user_agent: string | null;
}

export interface OperatorTotpUsedTable {
  operator_id: string;
  step: string;
  used_at: Generated<Date>;
}

export interface SetupTokensTable {
  token_hash: string;
  created_at: Generated<Date>;
  used_at: Date | null;
}

/** One-time Telegram link codes (only an HMAC of the code is stored). */
export interface OperatorTelegramLinksTable {
  id: Generated<string>;
  operator_id: string;
  code_hash: string;
  created_at: Generated<Date>;
  expires_at: Date;
  used_at: Date | null;
  /** bigint, read as a string. */
  telegram_user_id: string | null;
}

export interface OperatorInvitationsTable {
  id: Generated<string>;
  operator_id: string;
  token_hash: string;
  created_by_type: string;
  created_by_id: string | null;
  created_at: Generated<Date>;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

export interface DeskBootstrapTable {
  id: Generated<boolean>;
  ended_at: Date;
  ended_by_type: string;
  ended_by_id: string | null;
  reason: string;
}

export interface OperatorGrantReviewsTable {
  id: Generated<string>;
  operator_id: string;
  roles: Role[];
  opened_by: string;
  reason: string;
  status: Generated<'open' | 'acknowledged'>;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
  comment: string | null;
  created_at: Generated<Date>;
}

export interface OperatorTables {
  operator_invitations: OperatorInvitationsTable;
  desk_bootstrap: DeskBootstrapTable;
  operator_grant_reviews: OperatorGrantReviewsTable;
  operators: OperatorsTable;
  operator_sessions: OperatorSessionsTable;
  operator_totp_used: OperatorTotpUsedTable;
  setup_tokens: SetupTokensTable;
  operator_telegram_links: OperatorTelegramLinksTable;
}
