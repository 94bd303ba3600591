import { sql, type Kysely } from 'kysely';

/**
 * The Telegram bot: delivery bookkeeping on the notifications outbox (when to try next, who holds a
 * row, `skipped` for notices nobody can receive), and the bot's own state in PostgreSQL so any
 * process can answer any update: update ids seen (each processed once), single-use callback tokens,
 * conversations, sent messages (to edit them when a request is decided), and per-user rate limits.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table notifications add column next_attempt_at timestamptz not null default now();
    alter table notifications add column claimed_at timestamptz;
    alter table notifications drop constraint notifications_status_check;
    alter table notifications add constraint notifications_status_check check (status in ('queued', 'sending', 'sent', 'failed', 'skipped'));
    create index notifications_due on notifications (next_attempt_at, id) where status = 'queued';
    create index notifications_sending on notifications (claimed_at) where status = 'sending';

    create table telegram_updates (
      bot_id bigint not null,
      update_id bigint not null,
      received_at timestamptz not null default now(),
      primary key (bot_id, update_id)
    );
    create index telegram_updates_received on telegram_updates (received_at);

    create table telegram_callback_tokens (
      token_hash text primary key,
      action text not null check (action in ('cosign', 'reject')),
      request_id uuid not null,
      operator_id uuid not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz,
      used_by bigint
    );
    create index telegram_callback_tokens_expiry on telegram_callback_tokens (expires_at);

    create table telegram_conversations (
      telegram_user_id bigint primary key,
      flow text not null,
      step text not null,
      data jsonb not null default '{}'::jsonb,
      updated_at timestamptz not null default now(),
      expires_at timestamptz not null
    );

    create table telegram_messages (
      id bigserial primary key,
      notification_id bigint references notifications (id),
      request_id uuid,
      chat_id bigint not null,
      message_id bigint not null,
      template text not null,
      text text not null,
      url text,
      edit_state text check (edit_state in ('due', 'done', 'failed')),
      edit_text text,
      edit_attempts integer not null default 0,
      edit_next_at timestamptz,
      created_at timestamptz not null default now()
    );
    create index telegram_messages_request on telegram_messages (request_id);
    create index telegram_messages_edits on telegram_messages (edit_next_at, id) where edit_state = 'due';

    create table telegram_rate_limits (
      telegram_user_id bigint primary key,
      window_start timestamptz not null,
      count integer not null,
      warned boolean not null default false
    );
  `.execute(db);
}
