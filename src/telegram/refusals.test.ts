import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Update } from 'grammy/types';
import {
  buildTelegramServer,
  RecordingTelegram,
  updates,
  type TelegramTestServer,
  type TgUser,
} from '../../test/support/telegram.js';
import { CLIENT_TOKEN_PREFIX } from './telegram.store.js';
import type { ClientTokenAction } from './telegram.tables.js';

const TRON = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';
const NO_ACCOUNT = 'You have no account with the desk yet. Send /start to apply.';
const NOT_ACTIVE = 'Your account is not active, so you cannot register payout addresses.';
const NO_TRADE = '<b>❓ Not found</b>\nThere is no such trade.';
const SUSPENDED = "<b>ℹ️ Refused</b>\nThe client's account is suspended: it cannot trade.";

/**
 * The refusals every client journey shares, told where the user looks: a chat message (even after a
 * button press, which is answered once, without an alert), in the same words from every entry point.
 */
describe('Telegram refusals: no account, not active, and the desk saying no', () => {
  let t: TelegramTestServer;
  let seq = 7_300_000;
  beforeAll(async () => {
    t = await buildTelegramServer({ env: { PRICING_REFERENCE_MID: '1', PRICING_SPREAD_TIERS: '0:10' } });
  });
  afterAll(() => t.close());

  const store = () => {
    const runtime = t.desk.telegram;
    if (!runtime) throw new Error('the bot is off');
    return runtime.store;
  };
  const stranger = (): TgUser => ({ id: ++seq, first_name: 'Sam' });
  async function clientUser(
    status: 'active' | 'suspended' = 'active',
  ): Promise<TgUser & { clientId: string }> {
    const user: TgUser = { id: ++seq, first_name: 'Dana' };
    const client = await t.database.db
      .insertInto('clients')
      .values({
        telegram_user_id: String(user.id),
        telegram_username: null,
        name: 'Dana',
        company: 'Dana Ltd',
        country: 'CH',
        monthly_volume: '1-5M',
        status,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await t.database.db
      .insertInto('client_addresses')
      .values({
        client_id: client.id,
        network: 'tron',
        address: TRON,
        status: 'whitelisted',
        whitelisted_at: t.clock.now(),
        removed_at: null,
      })
      .execute();
    return { ...user, clientId: client.id };
  }
  const button = async (user: TgUser, action: ClientTokenAction, payload: Record<string, string>) =>
    CLIENT_TOKEN_PREFIX +
    (await store().issueClientToken(
      { action, telegramUserId: user.id, payload },
      new Date(t.clock.now().getTime() + 60_000),
    ));
  const converse = (user: TgUser, flow: string, step: string, data: Record<string, string>) =>
    store().saveConversation(user.id, { flow, step, data }, t.clock.now(), 300);

  /** Sends the update; returns the message the user got and the press's answers (none for a message). */
  async function told(user: TgUser, update: Update) {
    const answers = t.tg.answers().length;
    const sent = t.tg.of('sendMessage', user.id).length;
    await t.send(update);
    const messages = t.tg.of('sendMessage', user.id).slice(sent);
    expect(messages).toHaveLength(1);
    return { message: messages[0] ?? {}, answers: t.tg.answers().slice(answers) };
  }
  /** A chat message exactly as given, and a press answered once, silently. */
  async function expectReply(user: TgUser, update: Update, text: string, parseMode?: 'HTML') {
    const { message, answers } = await told(user, update);
    expect(message.text).toBe(text);
    expect(message.parse_mode).toBe(parseMode);
    if (update.callback_query) expect(answers).toEqual([expect.not.objectContaining({ show_alert: true })]);
    else expect(answers).toEqual([]);
  }

  it('a Telegram user without an account gets the one standard reply from every client command', async () => {
    for (const text of [
      '/quote',
      '/quote buy 100 tron',
      '/trades',
      '/address',
      `/address tron ${TRON}`,
      '/status',
    ]) {
      const user = stranger();
      await expectReply(user, updates.text(user, text), NO_ACCOUNT);
    }
  });

  it('… and from every client button and guided step, as a chat message after the press is answered', async () => {
    const presses: ((user: TgUser) => Promise<Update>)[] = [
      async (u) => updates.callback(u, 'qg:buy:tron'),
      async (u) => updates.callback(u, 'tp:1'),
      async (u) => updates.callback(u, 'ad:add'),
      async (u) => updates.callback(u, 'ad:n:tron'),
      async (u) => updates.callback(u, await button(u, 'quote.accept', { quoteId: crypto.randomUUID() })),
      async (u) =>
        updates.callback(u, await button(u, 'quote.requote', { side: 'buy', network: 'tron', amount: '1' })),
      async (u) => updates.callback(u, await button(u, 'trade.cancel', { tradeId: crypto.randomUUID() })),
      async (u) => updates.callback(u, await button(u, 'trade.amend', { tradeId: crypto.randomUUID() })),
      async (u) =>
        updates.callback(
          u,
          await button(u, 'trade.amend.address', { tradeId: crypto.randomUUID(), addressId: 'x' }),
        ),
    ];
    for (const press of presses) {
      const user = stranger();
      await expectReply(user, await press(user), NO_ACCOUNT);
    }
    const quoting = stranger();
    await converse(quoting, 'quote', 'amount', { side: 'buy', network: 'tron' });
    await expectReply(quoting, updates.text(quoting, '100'), NO_ACCOUNT);
    const registering = stranger();
    await converse(registering, 'address', 'address', { network: 'tron' });
    await expectReply(registering, updates.text(registering, TRON), NO_ACCOUNT);
  });

  it('a suspended client may not register payout addresses, told the same from /address, its buttons and its guided step', async () => {
    const user = await clientUser('suspended');
    await expectReply(user, updates.text(user, '/address'), NOT_ACTIVE);
    await expectReply(user, updates.text(user, `/address tron ${TRON}`), NOT_ACTIVE);
    await expectReply(user, updates.callback(user, 'ad:add'), NOT_ACTIVE);
    await expectReply(user, updates.callback(user, 'ad:n:tron'), NOT_ACTIVE);
    await converse(user, 'address', 'address', { network: 'tron' });
    await expectReply(user, updates.text(user, TRON), NOT_ACTIVE);
  });

  it('the desk refusing a button’s work is told in plain words in the chat, the press answered once', async () => {
    const suspended = await clientUser('suspended');
    await expectReply(suspended, updates.text(suspended, '/quote buy 100 tron'), SUSPENDED, 'HTML');
    await expectReply(
      suspended,
      updates.callback(
        suspended,
        await button(suspended, 'quote.requote', { side: 'buy', network: 'tron', amount: '100000000' }),
      ),
      SUSPENDED,
      'HTML',
    );
    const user = await clientUser();
    await expectReply(
      user,
      updates.callback(user, await button(user, 'quote.accept', { quoteId: crypto.randomUUID() })),
      '<b>❓ Not found</b>\nThere is no such quote.',
      'HTML',
    );
    await expectReply(
      user,
      updates.callback(user, await button(user, 'trade.cancel', { tradeId: crypto.randomUUID() })),
      NO_TRADE,
      'HTML',
    );
    const addressId = crypto.randomUUID();
    await expectReply(
      user,
      updates.callback(user, await button(user, 'trade.amend.address', { tradeId: 'nope', addressId })),
      NO_TRADE,
      'HTML',
    );
  });

  it('an expired quote’s Accept is refused in the chat with a Re-quote button, the press answered once', async () => {
    const user = await clientUser();
    await t.send(updates.text(user, '/quote buy 10 tron'));
    const [accept] = RecordingTelegram.buttons(t.tg.lastTo(user.id));
    const expired = new Date(t.clock.now().getTime() - 1000);
    await t.database.db
      .updateTable('quotes')
      .set({ expires_at: expired })
      .where('client_id', '=', user.clientId)
      .execute();
    const { message, answers } = await told(user, updates.callback(user, String(accept?.callback_data)));
    expect(message.text).toBe(
      `<b>ℹ️ Refused</b>\nThe quote expired at ${expired.toISOString()}. Ask for a new quote.\n` +
        'Press Re-quote for a new price on the same trade, or send /quote again.',
    );
    expect(message.parse_mode).toBe('HTML');
    expect(RecordingTelegram.buttons(message).map((b) => b.text)).toEqual(['Re-quote']);
    expect(answers).toEqual([expect.not.objectContaining({ show_alert: true })]);
  });
});
