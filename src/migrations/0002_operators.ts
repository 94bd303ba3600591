import { sql, type Kysely } from 'kysely';

/** Operators, their server-side sessions, used TOTP steps (replay protection) and the setup token. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create extension if not exists citext;

    create table operators (
      id uuid primary key default gen_random_uuid(),
      email citext not null unique,
      name text not null,
      password_hash text not null,
      roles text[] not null default '{}',
      status text not null default 'active' check (status in ('active', 'deactivated')),
      mfa_secret_enc text,
      mfa_enrolled_at timestamptz,
      mfa_pending_secret_enc text,
      failed_logins integer not null default 0,
      locked_until timestamptz,
      telegram_user_id bigint unique,
      version integer not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );

    create table operator_sessions (
      id uuid primary key default gen_random_uuid(),
      operator_id uuid not null references operators (id),
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      revoked_at timestamptz,
      mfa_verified boolean not null default false,
      step_up_until timestamptz,
      ip text,
      user_agent text
    );
    create index operator_sessions_operator on operator_sessions (operator_id) where revoked_at is null;

    create table operator_totp_used (
      operator_id uuid not null references operators (id),
      step bigint not null,
      used_at timestamptz not null default now(),
      primary key (operator_id, step)
    );

    create table setup_tokens (
      token_hash text primary key,
      created_at timestamptz not null default now(),
      used_at timestamptz
    );
  `.execute(db);
}
