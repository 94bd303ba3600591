import { sql, type Kysely } from 'kysely';

/**
 * Alerts (src/alerts): the rules' thresholds as data (seeded once from ALERT_<NAME>_* settings, then
 * changed only by a co-signed `alert.rule` request), each rule's current state, the append-only history
 * of its transitions, silences, and the worker heartbeats `worker_down` reads. Also the desk-wide error
 * counts behind `desk_errors_total{source}` (HTTP 5xx, failed jobs, Telegram deliveries given up), kept
 * in PostgreSQL so the evaluator in a worker sees the errors every API node had.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table alert_rules (
      name text primary key,
      threshold numeric not null,
      for_seconds integer not null check (for_seconds >= 0),
      keep_firing_for_seconds integer not null check (keep_firing_for_seconds >= 0),
      version integer not null default 1,
      seeded_from jsonb not null default '{}'::jsonb,
      updated_at timestamptz not null,
      updated_by_request uuid
    );

    create table alert_state (
      name text primary key references alert_rules (name),
      state text not null check (state in ('inactive', 'pending', 'firing', 'resolved')),
      value numeric,
      since timestamptz not null,
      -- The episode a firing belongs to: its notices, reminders and the resolved reply share it.
      episode uuid,
      firing_since timestamptz,
      cleared_since timestamptz,
      last_notified_at timestamptz,
      -- Bounded counter samples for increase() rules: [[epoch ms, value], …] within the rule's window.
      samples jsonb not null default '[]'::jsonb,
      evaluated_at timestamptz,
      -- Transitions so far by target state, kept with each transition: desk_alert_transitions_total reads
      -- these rows, never the history.
      transitions jsonb not null default '{}'::jsonb,
      silenced_until timestamptz,
      silence_reason text,
      silenced_by uuid
    );

    create table alert_events (
      id bigserial primary key,
      rule text not null references alert_rules (name),
      from_state text not null,
      to_state text not null check (to_state in ('inactive', 'pending', 'firing', 'resolved')),
      value numeric,
      threshold numeric not null,
      labels jsonb not null default '{}'::jsonb,
      episode uuid,
      started_at timestamptz not null,
      ended_at timestamptz,
      at timestamptz not null,
      silenced boolean not null default false
    );
    create index alert_events_at on alert_events (at desc, id desc);
    create index alert_events_rule on alert_events (rule, at desc, id desc);
    create function alert_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'alert_events is append-only';
    end $$;
    create trigger alert_events_append_only before update or delete on alert_events
      for each row execute function alert_events_append_only();

    create table worker_heartbeats (
      worker_id text primary key,
      beat_at timestamptz not null
    );

    create table desk_error_counts (
      source text primary key,
      n bigint not null default 0
    );

    -- A resolved alert replies to its firing message: the thread key links the two in each chat.
    alter table telegram_messages add column thread text;
    create index telegram_messages_thread on telegram_messages (chat_id, thread) where thread is not null;

    insert into approval_policies (kind, primary_roles, secondary_roles, ttl_seconds, tiers) values
      ('alert.rule', '{risk_officer}', '{risk_officer,platform_admin}', 24 * 3600, '[]');
  `.execute(db);
}
