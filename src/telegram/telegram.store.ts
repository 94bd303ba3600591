import { createHash, randomBytes } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { Db, Executor } from '../shared/db.js';
import type { ClientTokenAction, TelegramMessagesTable } from './telegram.tables.js';

/**
 * The bot's own state, in PostgreSQL so that any desk process can answer any update and nothing is
 * lost on restart. These tables hold transport state only (which update was seen, which button token
 * is still valid, where a conversation stands); the desk's facts live in the domains.
 */

export type SentMessage = Selectable<TelegramMessagesTable>;

export interface Conversation {
  flow: string;
  step: string;
  data: Record<string, unknown>;
}

export interface CallbackToken {
  action: 'cosign' | 'reject';
  requestId: string;
  operatorId: string;
}

/** A client's trading button: bound to the Telegram user it was shown to; the payload says on what. */
export interface ClientToken {
  action: ClientTokenAction;
  telegramUserId: number;
  payload: Record<string, string>;
}

/** What pressing a client's button found: the payload to act on, or why it is refused. */
export type ClientPress =
  | { ok: true; action: ClientTokenAction; payload: Record<string, string> }
  | { ok: false; why: 'invalid' | 'elsewhere' | 'not yours' | 'used' | 'expired' };

/** Prefix of callback data that carries a decision token (the rest is 22 base64url characters). */
export const TOKEN_PREFIX = 't:';
/** Prefix of callback data that carries a client's trading token. */
export const CLIENT_TOKEN_PREFIX = 'c:';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export type TelegramStore = ReturnType<typeof createTelegramStore>;

export function createTelegramStore(db: Db) {
  async function spendToken(token: string, usedBy: number, now: Date): Promise<boolean> {
    const r = await db
      .updateTable('telegram_callback_tokens')
      .set({ used_at: now, used_by: String(usedBy) })
      .where('token_hash', '=', hashToken(token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  return {
    /** True the first time this update id is seen for this bot; false for a duplicate. */
    async firstSighting(botId: number, updateId: number): Promise<boolean> {
      const row = await db
        .insertInto('telegram_updates')
        .values({ bot_id: String(botId), update_id: String(updateId) })
        .onConflict((oc) => oc.columns(['bot_id', 'update_id']).doNothing())
        .returning('update_id')
        .executeTakeFirst();
      return row !== undefined;
    },

    /**
     * Counts one update from a user in the current one-minute window. Returns the count and whether
     * the user was already told to slow down in this window (so they are told once).
     */
    async hit(telegramUserId: number, now: Date): Promise<{ count: number; warned: boolean }> {
      const { rows } = await sql<{ count: number; warned: boolean }>`
        insert into telegram_rate_limits as r (telegram_user_id, window_start, count) values (${telegramUserId}, ${now}, 1)
        on conflict (telegram_user_id) do update set
          count = case when r.window_start <= ${now}::timestamptz - interval '1 minute' then 1 else r.count + 1 end,
          warned = case when r.window_start <= ${now}::timestamptz - interval '1 minute' then false else r.warned end,
          window_start = case when r.window_start <= ${now}::timestamptz - interval '1 minute' then ${now} else r.window_start end
        returning count, warned`.execute(db);
      return rows[0] ?? { count: 1, warned: false };
    },
    async markWarned(telegramUserId: number): Promise<void> {
      await db
        .updateTable('telegram_rate_limits')
        .set({ warned: true })
        .where('telegram_user_id', '=', String(telegramUserId))
        .execute();
    },

    /** A new opaque token for one button; only its hash is stored. */
    async issueToken(t: CallbackToken, expiresAt: Date, ex: Executor = db): Promise<string> {
      const token = randomBytes(16).toString('base64url');
      await ex
        .insertInto('telegram_callback_tokens')
        .values({
          token_hash: hashToken(token),
          action: t.action,
          request_id: t.requestId,
          operator_id: t.operatorId,
          expires_at: expiresAt,
          used_at: null,
          used_by: null,
        })
        .execute();
      return token;
    },
    /** A new opaque token for one client's trading button (Accept, Re-quote, Cancel, Change address). */
    async issueClientToken(t: ClientToken, expiresAt: Date, ex: Executor = db): Promise<string> {
      const token = randomBytes(16).toString('base64url');
      await ex
        .insertInto('telegram_callback_tokens')
        .values({
          token_hash: hashToken(token),
          action: t.action,
          request_id: null,
          operator_id: null,
          telegram_user_id: String(t.telegramUserId),
          payload: JSON.stringify(t.payload),
          expires_at: expiresAt,
          used_at: null,
          used_by: null,
        })
        .execute();
      return token;
    },
    /**
     * Spends a client's token of one of `actions` if `telegramUserId` is the one it was shown to.
     * Another user's press is refused without spending it (a stranger cannot burn the owner's
     * button); a token of another action is `elsewhere` (another feature's button), untouched.
     */
    async pressClientToken(
      token: string,
      actions: readonly ClientTokenAction[],
      telegramUserId: number,
      now: Date,
    ): Promise<ClientPress> {
      const row = await db
        .selectFrom('telegram_callback_tokens')
        .selectAll()
        .where('token_hash', '=', hashToken(token))
        .executeTakeFirst();
      if (!row || !row.telegram_user_id || !row.payload) return { ok: false, why: 'invalid' };
      if (!(actions as readonly string[]).includes(row.action)) return { ok: false, why: 'elsewhere' };
      if (row.telegram_user_id !== String(telegramUserId)) return { ok: false, why: 'not yours' };
      if (row.used_at) return { ok: false, why: 'used' };
      if (row.expires_at <= now) return { ok: false, why: 'expired' };
      if (!(await spendToken(token, telegramUserId, now))) return { ok: false, why: 'used' };
      return { ok: true, action: row.action as ClientTokenAction, payload: row.payload };
    },
    /** Reads a token without spending it (to refuse a stranger without burning the owner's button). */
    async peekToken(token: string) {
      return db
        .selectFrom('telegram_callback_tokens')
        .selectAll()
        .where('token_hash', '=', hashToken(token))
        .executeTakeFirst();
    },
    /** Spends a token once: true for the first caller only, and only while it is unexpired. */
    spendToken,

    async conversation(telegramUserId: number, now: Date): Promise<Conversation | undefined> {
      const row = await db
        .selectFrom('telegram_conversations')
        .selectAll()
        .where('telegram_user_id', '=', String(telegramUserId))
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row && { flow: row.flow, step: row.step, data: row.data };
    },
    async saveConversation(
      telegramUserId: number,
      c: Conversation,
      now: Date,
      ttlSeconds: number,
    ): Promise<void> {
      const values = {
        flow: c.flow,
        step: c.step,
        data: JSON.stringify(c.data),
        updated_at: now,
        expires_at: new Date(now.getTime() + ttlSeconds * 1000),
      };
      await db
        .insertInto('telegram_conversations')
        .values({ telegram_user_id: String(telegramUserId), ...values })
        .onConflict((oc) => oc.column('telegram_user_id').doUpdateSet(values))
        .execute();
    },
    async endConversation(telegramUserId: number): Promise<void> {
      await db
        .deleteFrom('telegram_conversations')
        .where('telegram_user_id', '=', String(telegramUserId))
        .execute();
    },

    async recordSent(m: {
      notificationId: string | null;
      requestId: string | null;
      chatId: number | string;
      messageId: number;
      template: string;
      text: string;
      url: string | null;
      thread?: string | null;
    }): Promise<void> {
      await db
        .insertInto('telegram_messages')
        .values({
          notification_id: m.notificationId,
          request_id: m.requestId,
          chat_id: String(m.chatId),
          message_id: String(m.messageId),
          template: m.template,
          text: m.text,
          url: m.url,
          thread: m.thread ?? null,
          edit_state: null,
          edit_text: null,
          edit_next_at: null,
        })
        .execute();
    },
    /** The first message of a thread in a chat (what a resolved alert replies to), if one was sent. */
    async threadMessage(chatId: number | string, thread: string): Promise<number | null> {
      const row = await db
        .selectFrom('telegram_messages')
        .select('message_id')
        .where('chat_id', '=', String(chatId))
        .where('thread', '=', thread)
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      return row ? Number(row.message_id) : null;
    },
    /**
     * Marks the request's earlier messages (of `templates`, or all) to be edited to `statusLine`.
     * Messages already showing (or about to show) that line are left alone, so every notice about the
     * same change (one per recipient, and their retries) edits each message once.
     */
    async scheduleEdits(
      requestId: string,
      statusLine: string,
      templates: string[] | undefined,
      now: Date,
    ): Promise<number> {
      let q = db
        .updateTable('telegram_messages')
        .set({ edit_state: 'due', edit_text: statusLine, edit_next_at: now, edit_attempts: 0 })
        .where('request_id', '=', requestId)
        .where((eb) => eb.or([eb('edit_text', 'is', null), eb('edit_text', '!=', statusLine)]));
      if (templates) q = q.where('template', 'in', templates);
      return Number((await q.executeTakeFirst()).numUpdatedRows);
    },
    /** Takes due edits (leased for five minutes, so a crashed editor's rows come back). */
    async claimEdits(now: Date, limit: number): Promise<SentMessage[]> {
      const { rows } = await sql<SentMessage>`
        update telegram_messages set edit_next_at = ${new Date(now.getTime() + 5 * 60_000)}, edit_attempts = edit_attempts + 1
        where id in (select id from telegram_messages where edit_state = 'due' and edit_next_at <= ${now} order by id limit ${limit} for update skip locked)
        returning *`.execute(db);
      return rows.sort((a, b) => Number(a.id) - Number(b.id));
    },
    async editDone(id: string, state: 'done' | 'failed'): Promise<void> {
      await db
        .updateTable('telegram_messages')
        .set({ edit_state: state })
        .where('id', '=', id)
        .where('edit_state', '=', 'due')
        .execute();
    },
    async editRetryAt(id: string, at: Date): Promise<void> {
      await db.updateTable('telegram_messages').set({ edit_next_at: at }).where('id', '=', id).execute();
    },

    /** Forgets what no longer matters: old update ids, spent or expired tokens, stale conversations. */
    async prune(now: Date): Promise<void> {
      const weekAgo = new Date(now.getTime() - 7 * 86_400_000);
      await db.deleteFrom('telegram_updates').where('received_at', '<', weekAgo).execute();
      await db.deleteFrom('telegram_callback_tokens').where('expires_at', '<', weekAgo).execute();
      await db.deleteFrom('telegram_conversations').where('expires_at', '<', now).execute();
      await db
        .deleteFrom('telegram_rate_limits')
        .where('window_start', '<', new Date(now.getTime() - 3_600_000))
        .execute();
    },
  };
}
