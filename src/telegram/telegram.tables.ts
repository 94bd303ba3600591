import type { ColumnType, Generated } from 'kysely';

type Json<T> = ColumnType<T, string, string>;

/** Update ids already taken: each update is processed at most once, whichever process receives it. */
export interface TelegramUpdatesTable {
  /** Update ids are per bot: a new bot (not a rotated token) starts its own sequence. */
  bot_id: string;
  update_id: string;
  received_at: Generated<Date>;
}

export type DecisionTokenAction = 'cosign' | 'reject';
/** What a client's trading button does (the token's payload says on what). */
export type ClientTokenAction =
  'quote.accept' | 'quote.requote' | 'trade.cancel' | 'trade.amend' | 'trade.amend.address';

/**
 * Opaque, single-use button tokens: only a SHA-256 of the token is stored. A decision token names the
 * request and the operator; a client token the Telegram user it was shown to and a small payload.
 */
export interface TelegramCallbackTokensTable {
  token_hash: string;
  action: DecisionTokenAction | ClientTokenAction;
  request_id: string | null;
  operator_id: string | null;
  telegram_user_id: string | null;
  payload: ColumnType<Record<string, string> | null, string | null, string | null>;
  created_at: Generated<Date>;
  expires_at: Date;
  used_at: Date | null;
  used_by: string | null;
}

/** A conversation in progress with one Telegram user (onboarding, a decision awaiting its code). */
export interface TelegramConversationsTable {
  telegram_user_id: string;
  flow: string;
  step: string;
  data: Json<Record<string, unknown>>;
  updated_at: Generated<Date>;
  expires_at: Date;
}

/** Messages the bot sent about a request, kept so a decision edits them instead of adding more. */
export interface TelegramMessagesTable {
  id: Generated<string>;
  notification_id: string | null;
  request_id: string | null;
  chat_id: string;
  message_id: string;
  template: string;
  text: string;
  url: string | null;
  edit_state: 'due' | 'done' | 'failed' | null;
  edit_text: string | null;
  edit_attempts: Generated<number>;
  edit_next_at: Date | null;
  created_at: Generated<Date>;
  /** Links messages of one thread in a chat (an alert's firing notice and its resolved reply). */
  thread: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface TelegramRateLimitsTable {
  telegram_user_id: string;
  window_start: Date;
  count: number;
  warned: Generated<boolean>;
}

export interface TelegramTables {
  telegram_updates: TelegramUpdatesTable;
  telegram_callback_tokens: TelegramCallbackTokensTable;
  telegram_conversations: TelegramConversationsTable;
  telegram_messages: TelegramMessagesTable;
  telegram_rate_limits: TelegramRateLimitsTable;
}
