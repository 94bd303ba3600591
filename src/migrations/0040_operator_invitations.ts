import { sql, type Kysely } from 'kysely';

/**
 * Operators own their credentials (issue 14 item 10, issue 16 item 1):
 * - `operator_invitations`: one-time, expiring links through which a new operator sets their own
 *   password (then enrols MFA with the session it opens). Only a SHA-256 of the token is stored.
 * - `desk_bootstrap`: the explicit end of the bootstrap (the first decided change request ends it too).
 * - `operator_grant_reviews`: the post-hoc review a break-glass role grant opens, acknowledged by
 *   another platform_admin (the same shape and rules as the emergency stop's `flag_reviews`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table operator_invitations (
      id uuid primary key default gen_random_uuid(),
      operator_id uuid not null references operators (id),
      token_hash text not null unique,
      created_by_type text not null,
      created_by_id text,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz,
      revoked_at timestamptz
    );
    create index operator_invitations_operator on operator_invitations (operator_id);

    create table desk_bootstrap (
      id boolean primary key default true check (id),
      ended_at timestamptz not null,
      ended_by_type text not null,
      ended_by_id text,
      reason text not null
    );

    create table operator_grant_reviews (
      id uuid primary key default gen_random_uuid(),
      operator_id uuid not null references operators (id),
      roles text[] not null,
      opened_by text not null,
      reason text not null,
      status text not null default 'open' check (status in ('open', 'acknowledged')),
      acknowledged_by text,
      acknowledged_at timestamptz,
      comment text,
      created_at timestamptz not null default now()
    );
    create index operator_grant_reviews_open on operator_grant_reviews (created_at) where status = 'open';
  `.execute(db);
}
