import { sql, type Kysely } from 'kysely';

/**
 * Dual control: policies (data, changed only through `policy.set` requests), change requests with
 * their full decision history, and the notifications outbox written in the same transactions.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table approval_policies (
      kind text primary key,
      primary_roles text[] not null,
      secondary_roles text[] not null,
      ttl_seconds integer not null check (ttl_seconds > 0),
      tiers jsonb not null default '[]'::jsonb,
      version integer not null default 1,
      updated_at timestamptz not null default now(),
      updated_by_request uuid
    );

    insert into approval_policies (kind, primary_roles, secondary_roles, ttl_seconds, tiers) values
      ('client.access',      '{ops_approver,risk_officer}', '{ops_approver,risk_officer}',   72 * 3600, '[]'),
      ('client.limits',      '{risk_officer}',              '{ops_approver,risk_officer}',   24 * 3600, '[]'),
      ('client.address',     '{ops_approver}',              '{risk_officer}',                24 * 3600, '[]'),
      ('trade.amend',        '{ops_approver}',              '{ops_approver,risk_officer}',    4 * 3600,
        '[{"name":"notional above 250,000 USDT","when":{"path":"amount","op":"gt","value":"250000000000"},"secondaryRoles":["risk_officer"]}]'),
      ('trade.cancel',       '{ops_approver}',              '{ops_approver,risk_officer}',    4 * 3600, '[]'),
      ('flag.set',           '{risk_officer}',              '{risk_officer,platform_admin}',  4 * 3600, '[]'),
      ('settlement.requeue', '{ops_approver,risk_officer}', '{risk_officer}',                24 * 3600, '[]'),
      ('operator.role',      '{platform_admin}',            '{risk_officer}',                24 * 3600, '[]'),
      ('policy.set',         '{risk_officer}',              '{risk_officer,platform_admin}', 24 * 3600, '[]');

    create table change_requests (
      id uuid primary key default gen_random_uuid(),
      kind text not null,
      payload jsonb not null,
      digest text not null,
      diff jsonb not null,
      summary text not null,
      entity_type text not null,
      entity_id text not null,
      entity_version integer,
      requested_by_type text not null check (requested_by_type in ('operator', 'client', 'system')),
      requested_by_id text,
      note text,
      status text not null default 'pending'
        check (status in ('pending', 'awaiting_secondary', 'approved', 'rejected', 'expired', 'cancelled', 'failed')),
      policy jsonb not null,
      expires_at timestamptz not null,
      primary_approver_id uuid,
      primary_reason text,
      primary_at timestamptz,
      secondary_approver_id uuid,
      secondary_reason text,
      secondary_at timestamptz,
      rejected_by uuid,
      rejection_reason text,
      failure_reason text,
      decided_at timestamptz,
      idempotency_key text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (status <> 'approved' or (primary_approver_id is not null and secondary_approver_id is not null
                                      and primary_approver_id <> secondary_approver_id and secondary_at is not null))
    );
    create unique index change_requests_idempotency on change_requests (requested_by_type, requested_by_id, idempotency_key)
      where idempotency_key is not null;
    create index change_requests_recent on change_requests (created_at desc, id desc);
    create index change_requests_open on change_requests (created_at desc, id desc) where status in ('pending', 'awaiting_secondary');
    create index change_requests_status on change_requests (status, created_at desc, id desc);
    create index change_requests_kind on change_requests (kind, created_at desc, id desc);
    create index change_requests_secondary on change_requests (secondary_approver_id) where status = 'awaiting_secondary';
    create index change_requests_expiry on change_requests (expires_at) where status in ('pending', 'awaiting_secondary');
    create index change_requests_entity on change_requests (entity_type, entity_id);
    create index change_requests_decided on change_requests (decided_at);

    create table change_request_events (
      id bigserial primary key,
      request_id uuid not null references change_requests (id),
      at timestamptz not null default now(),
      action text not null,
      actor_type text not null,
      actor_id text,
      reason text,
      data jsonb not null default '{}'::jsonb
    );
    create index change_request_events_request on change_request_events (request_id, id);

    create table notifications (
      id bigserial primary key,
      recipient_type text not null check (recipient_type in ('operator', 'client', 'ops_chat')),
      recipient_id text,
      template text not null,
      data jsonb not null default '{}'::jsonb,
      status text not null default 'queued' check (status in ('queued', 'sending', 'sent', 'failed')),
      attempts integer not null default 0,
      last_error text,
      created_at timestamptz not null default now(),
      sent_at timestamptz
    );
    create index notifications_queued on notifications (created_at, id) where status = 'queued';
  `.execute(db);
}
