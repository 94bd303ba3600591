import type { Api } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import type { Timer } from '../../src/telegram/delivery.js';
import type { ThrottleRules } from '../../src/telegram/throttle.js';
import { buildTestServer, type TestServer } from './server.js';
import { trackWhileOpen } from './open-handles.js';
import type { Clock } from '../../src/shared/clock.js';

export const TEST_BOT_TOKEN = '123456:TEST-token-abcdefghijklmnopqrstuvwxyz';
export const OPS_CHAT_ID = -1001234567890;
export const PUBLIC_URL = 'https://desk.example.com';

/** What getMe would say; given to the Bot so it never calls getMe. */
export const BOT_INFO: UserFromGetMe = {
  id: 123456,
  is_bot: true,
  first_name: 'Desk',
  username: 'desk_test_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

export interface ApiCall {
  method: string;
  payload: Record<string, unknown>;
}

interface ApiErrorBody {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/**
 * The Bot API as seen through an API transformer on the real grammY `Bot`: every outgoing call is
 * recorded and answered the way Telegram answers it (a Message for sendMessage/editMessageText, `true`
 * for the rest, `{ok: false, error_code, description, parameters}` for a scripted failure). grammY
 * itself is not stubbed: it builds the calls, parses the answers and throws GrammyError as usual.
 */
export class RecordingTelegram {
  calls: ApiCall[] = [];
  private nextMessageId = 1000;
  private failures: { method: string; chatId?: string; error: ApiErrorBody; times: number }[] = [];

  /** Makes the next `times` calls of `method` (to `chatId`, if given) fail with this Bot API error. */
  fail(method: string, error: ApiErrorBody, opts: { chatId?: string | number; times?: number } = {}): void {
    this.failures.push({
      method,
      error,
      chatId: opts.chatId === undefined ? undefined : String(opts.chatId),
      times: opts.times ?? 1,
    });
  }

  /** Updates the next getUpdates call hands out (long polling). */
  private polled: Update[] = [];

  /** Queues an update for long polling to fetch (getUpdates), as Telegram would. */
  poll(update: Update): void {
    this.polled.push(update);
  }

  install = (api: Api): void => {
    api.config.use(async (_prev, method, payload) => {
      const p = (payload ?? {}) as Record<string, unknown>;
      this.calls.push({ method, payload: p });
      if (method === 'getUpdates') {
        // A long poll: answered with what is queued, or empty after a short wait (not a busy loop).
        if (this.polled.length === 0) await new Promise((r) => setTimeout(r, 20));
        return { ok: true, result: this.polled.splice(0) } as never;
      }
      const failure = this.failures.find(
        (f) =>
          f.method === method && f.times > 0 && (f.chatId === undefined || f.chatId === String(p.chat_id)),
      );
      if (failure) {
        failure.times--;
        return { ok: false, ...failure.error } as never;
      }
      return { ok: true, result: this.answer(method, p) } as never;
    });
  };

  private answer(method: string, p: Record<string, unknown>): unknown {
    const chatId = Number(p.chat_id);
    const chat =
      chatId < 0
        ? { id: chatId, type: 'supergroup', title: 'Ops' }
        : { id: chatId, type: 'private', first_name: 'Someone' };
    const from = {
      id: BOT_INFO.id,
      is_bot: true,
      first_name: BOT_INFO.first_name,
      username: BOT_INFO.username,
    };
    const date = Math.floor(Date.now() / 1000);
    switch (method) {
      case 'getMe':
        return BOT_INFO;
      case 'sendMessage':
        return {
          message_id: this.nextMessageId++,
          date,
          chat,
          from,
          text: stripTags(String(p.text)),
          ...(p.reply_markup ? { reply_markup: p.reply_markup } : {}),
        };
      case 'editMessageText':
        return {
          message_id: Number(p.message_id),
          date,
          edit_date: date,
          chat,
          from,
          text: stripTags(String(p.text)),
          ...(p.reply_markup ? { reply_markup: p.reply_markup } : {}),
        };
      default:
        // deleteMessage, answerCallbackQuery, setWebhook, deleteWebhook, editMessageReplyMarkup…
        return true;
    }
  }

  /** Calls of one method, optionally to one chat. */
  of(method: string, chatId?: string | number): Record<string, unknown>[] {
    return this.calls
      .filter(
        (c) => c.method === method && (chatId === undefined || String(c.payload.chat_id) === String(chatId)),
      )
      .map((c) => c.payload);
  }

  /** Texts sent to a chat (sendMessage), oldest first. */
  textsTo(chatId: string | number): string[] {
    return this.of('sendMessage', chatId).map((p) => String(p.text));
  }

  lastTo(chatId: string | number): Record<string, unknown> {
    const all = this.of('sendMessage', chatId);
    const last = all[all.length - 1];
    if (!last)
      throw new Error(`nothing was sent to ${chatId}; calls: ${this.calls.map((c) => c.method).join(', ')}`);
    return last;
  }

  /** Callback data of every inline button of a sent message. */
  static buttons(payload: Record<string, unknown>): { text: string; callback_data?: string; url?: string }[] {
    const markup = payload.reply_markup as
      { inline_keyboard?: { text: string; callback_data?: string; url?: string }[][] } | undefined;
    return markup?.inline_keyboard?.flat() ?? [];
  }

  answers(): Record<string, unknown>[] {
    return this.of('answerCallbackQuery');
  }

  clear(): void {
    this.calls = [];
  }
}

const stripTags = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

export interface TgUser {
  id: number;
  first_name: string;
  username?: string;
}

let updateSeq = 5000;
let messageSeq = 1;

/** Updates as Telegram sends them. */
export const updates = {
  text(
    from: TgUser,
    text: string,
    chat: { id: number; type: 'private' | 'supergroup' } = { id: from.id, type: 'private' },
  ): Update {
    const command = /^\/\w+/.exec(text)?.[0];
    return {
      update_id: ++updateSeq,
      message: {
        message_id: ++messageSeq,
        date: Math.floor(Date.now() / 1000),
        chat:
          chat.type === 'private'
            ? { id: chat.id, type: 'private', first_name: from.first_name }
            : { id: chat.id, type: 'supergroup', title: 'Ops' },
        from: {
          id: from.id,
          is_bot: false,
          first_name: from.first_name,
          ...(from.username ? { username: from.username } : {}),
        },
        text,
        ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command.length }] } : {}),
      },
    };
  },
  callback(
    from: TgUser,
    data: string,
    message: { chatId: number; messageId: number } = { chatId: from.id, messageId: 1 },
  ): Update {
    return {
      update_id: ++updateSeq,
      callback_query: {
        id: String(++updateSeq),
        from: {
          id: from.id,
          is_bot: false,
          first_name: from.first_name,
          ...(from.username ? { username: from.username } : {}),
        },
        chat_instance: 'ci',
        data,
        message: {
          message_id: message.messageId,
          date: Math.floor(Date.now() / 1000),
          chat:
            message.chatId < 0
              ? { id: message.chatId, type: 'supergroup', title: 'Ops' }
              : { id: message.chatId, type: 'private', first_name: from.first_name },
          text: 'earlier message',
        },
      },
    };
  },
};

/** A timer that never sleeps for real: sleeping moves its time (the fixed clock's, when there is one). */
export function fakeTimer(clock?: Clock & { advance?(ms: number): void }): Timer {
  let own = 1_000_000;
  if (clock?.advance) return { now: () => clock.now().getTime(), sleep: async (ms) => clock.advance?.(ms) };
  return {
    now: () => own,
    sleep: async (ms) => {
      own += ms;
    },
  };
}

export interface TelegramTestServer extends TestServer {
  tg: RecordingTelegram;
  /** Feeds one update to the real bot (as polling or the webhook would). */
  send(update: Update): Promise<void>;
  /** Runs the delivery task once. */
  deliver(): Promise<Record<string, number>>;
}

/** The desk with the bot on (polling mode, never started), its Bot API recorded. */
export async function buildTelegramServer(
  opts: {
    env?: Record<string, string>;
    clock?: Clock & { advance?(ms: number): void };
    maxAttempts?: number;
    rules?: ThrottleRules;
  } = {},
): Promise<TelegramTestServer> {
  const tg = new RecordingTelegram();
  const t = await buildTestServer({
    clock: opts.clock,
    env: {
      TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN,
      TELEGRAM_OPS_CHAT_ID: String(OPS_CHAT_ID),
      PUBLIC_URL,
      ...opts.env,
    },
    telegram: {
      botInfo: BOT_INFO,
      configureApi: tg.install,
      timer: fakeTimer(opts.clock),
      rules: opts.rules,
    },
  });
  const runtime = t.desk.telegram;
  if (!runtime) {
    await t.close();
    throw new Error('the bot is off in this test server');
  }
  let draining = 0;
  trackWhileOpen('a Telegram delivery (t.deliver()) still running: await it', () => draining > 0);
  return {
    ...t,
    tg,
    send: (update) => runtime.bot.handleUpdate(update),
    deliver: async () => {
      draining++;
      try {
        return await runtime.deliverer.drain({ budgetMs: 60_000 });
      } finally {
        draining--;
      }
    },
  };
}

/** Links an operator's Telegram account the way an operator does: a console code, then `/link CODE`. */
export async function linkTelegram(t: TelegramTestServer, operatorId: string, user: TgUser): Promise<void> {
  const { code } = await t.desk.services.account.issueTelegramLinkCode(operatorId, {
    actorType: 'operator',
    actorId: operatorId,
  });
  await t.send(updates.text(user, `/link ${code}`));
  if (!/Linked/.test(String(t.tg.lastTo(user.id).text)))
    throw new Error(`linking failed: ${String(t.tg.lastTo(user.id).text)}`);
}

const ALLOWED_TAGS = new Set(['b', 'i', 'u', 's', 'code', 'pre', 'a']);

/**
 * Throws unless `html` is what Telegram's HTML parse mode accepts: only its tags, balanced, and no
 * stray `<`, `>` or `&` (user text must arrive escaped).
 */
export function assertTelegramHtml(html: string): void {
  const stack: string[] = [];
  const re = /<(\/?)([a-z]+)(?:\s+href="[^"<>]*")?>|&(amp|lt|gt|quot);|[<>&]/g;
  for (const m of html.matchAll(re)) {
    if (m[2]) {
      if (!ALLOWED_TAGS.has(m[2])) throw new Error(`tag <${m[2]}> is not Telegram HTML in: ${html}`);
      if (m[1]) {
        if (stack.pop() !== m[2]) throw new Error(`unbalanced </${m[2]}> in: ${html}`);
      } else stack.push(m[2]);
    } else if (!m[3]) throw new Error(`unescaped ${m[0]} at ${m.index} in: ${html}`);
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}> in: ${html}`);
}
