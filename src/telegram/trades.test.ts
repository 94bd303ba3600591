import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertTelegramHtml,
  buildTelegramServer,
  RecordingTelegram,
  updates,
  type TelegramTestServer,
  type TgUser,
} from '../../test/support/telegram.js';
import { statusWords } from './features/trades.js';

const TRON = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';
const TRON_2 = 'TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7';

describe('Telegram /trades: pages, Cancel and Change address', () => {
  let t: TelegramTestServer;
  beforeAll(async () => {
    t = await buildTelegramServer({ env: { PRICING_REFERENCE_MID: '1', PRICING_SPREAD_TIERS: '0:10' } });
  });
  afterAll(() => t.close());

  async function clientUser(
    id: number,
    addresses: string[] = [TRON],
  ): Promise<{ user: TgUser; clientId: string }> {
    const user: TgUser = { id, first_name: 'Dana' };
    const client = await t.database.db
      .insertInto('clients')
      .values({
        telegram_user_id: String(id),
        telegram_username: null,
        name: 'Dana',
        company: 'Dana Ltd',
        country: 'CH',
        monthly_volume: '1-5M',
        status: 'active',
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    for (const [i, address] of addresses.entries()) {
      await t.database.db
        .insertInto('client_addresses')
        .values({
          client_id: client.id,
          network: 'tron',
          address,
          status: 'whitelisted',
          whitelisted_at: new Date(Date.now() - (addresses.length - i) * 1000),
          removed_at: null,
        })
        .execute();
    }
    return { user, clientId: client.id };
  }

  /** Books a trade the way the client API does (the bot's Accept is tested in quote.test.ts). */
  async function book(clientId: string, usdt: number): Promise<string> {
    const { rfqs, trades } = t.desk.services.trading;
    const { best } = await rfqs.request({
      clientId,
      side: 'buy',
      network: 'tron',
      amountUnits: BigInt(usdt) * 1_000_000n,
    });
    const { trade } = await trades.accept(
      { quoteId: best.id, clientId },
      { actorType: 'client', actorId: clientId },
    );
    return trade.id;
  }
  const last = (user: TgUser) => t.tg.lastTo(user.id);

  it('shows five trades a page with Previous / Next, editing the message in place', async () => {
    const { user, clientId } = await clientUser(7_200_001);
    for (let i = 1; i <= 7; i++) await book(clientId, i);
    await t.send(updates.text(user, '/trades'));
    const first = last(user);
    assertTelegramHtml(String(first.text));
    expect(String(first.text)).toMatch(/Your trades<\/b> — page 1/);
    expect(String(first.text).match(/^\d+\. /gm)).toEqual(['1. ', '2. ', '3. ', '4. ', '5. ']);
    expect(String(first.text)).toMatch(/1\. \w{8} buy 7 USDT on tron — booked/); // newest first
    const buttons = RecordingTelegram.buttons(first);
    expect(buttons.filter((b) => /^Cancel \d$/.test(b.text))).toHaveLength(5);
    expect(buttons.filter((b) => /^Change address \d$/.test(b.text))).toHaveLength(5);
    expect(buttons.map((b) => b.text)).not.toContain('◀ Previous');
    const next = buttons.find((b) => b.text === 'Next ▶');
    expect(next).toBeDefined();

    await t.send(updates.callback(user, String(next?.callback_data)));
    const second = t.tg.of('editMessageText', user.id).at(-1) ?? {};
    expect(String(second.text)).toMatch(/page 2/);
    expect(String(second.text).match(/^\d+\. /gm)).toEqual(['6. ', '7. ']);
    expect(String(second.text)).toMatch(/7\. \w{8} buy 1 USDT/);
    const pager = RecordingTelegram.buttons(second).map((b) => b.text);
    expect(pager).toContain('◀ Previous');
    expect(pager).not.toContain('Next ▶');
    expect(pager).toContain('Cancel 7');

    await t.send(
      updates.callback(
        user,
        String(RecordingTelegram.buttons(second).find((b) => b.text === '◀ Previous')?.callback_data),
      ),
    );
    expect(String(t.tg.of('editMessageText', user.id).at(-1)?.text)).toMatch(/page 1[\s\S]*5\. /);
  });

  it('Change address offers the other whitelisted addresses on the network and files trade.amend', async () => {
    const { user, clientId } = await clientUser(7_200_002, [TRON, TRON_2]);
    const tradeId = await book(clientId, 10);
    const booked = await t.database.db
      .selectFrom('trades')
      .select('address')
      .where('id', '=', tradeId)
      .executeTakeFirstOrThrow();
    const other = booked.address === TRON ? TRON_2 : TRON;
    await t.send(updates.text(user, '/trades'));
    const change = RecordingTelegram.buttons(last(user)).find((b) => b.text === 'Change address 1');
    expect(String(change?.callback_data)).toMatch(/^c:[A-Za-z0-9_-]{22}$/);

    // Someone else's press is refused and does not spend the client's button.
    const stranger: TgUser = { id: 7_200_099, first_name: 'Eve' };
    await t.send(updates.callback(stranger, String(change?.callback_data)));
    expect(t.tg.answers().at(-1)).toMatchObject({ show_alert: true });
    expect(String(t.tg.answers().at(-1)?.text)).toMatch(/not yours/);

    await t.send(updates.callback(user, String(change?.callback_data)));
    const choice = last(user);
    assertTelegramHtml(String(choice.text));
    expect(String(choice.text)).toContain(`Now: <code>${booked.address}</code>`);
    expect(String(choice.text)).toContain(`1. <code>${other}</code>`);
    const options = RecordingTelegram.buttons(choice);
    expect(options).toHaveLength(1);
    await t.send(updates.callback(user, String(options[0]?.callback_data)));
    expect(String(last(user).text)).toMatch(/request to pay trade \w{8} to .* is filed/);

    const { payload } = await t.database.db
      .selectFrom('change_requests')
      .select('payload')
      .where('kind', '=', 'trade.amend')
      .executeTakeFirstOrThrow();
    const addressRow = await t.database.db
      .selectFrom('client_addresses')
      .select('id')
      .where('client_id', '=', clientId)
      .where('address', '=', other)
      .executeTakeFirstOrThrow();
    expect(payload).toEqual({ tradeId, addressId: addressRow.id });

    // The spent Change address button says so.
    await t.send(updates.callback(user, String(change?.callback_data)));
    expect(t.tg.answers().at(-1)).toMatchObject({ text: 'This button was already used.' });
  });

  it('Change address with no other approved address says how to add one; Cancel files trade.cancel', async () => {
    const { user, clientId } = await clientUser(7_200_003);
    await book(clientId, 3);
    await t.send(updates.text(user, '/trades'));
    const buttons = RecordingTelegram.buttons(last(user));
    expect(buttons.map((b) => b.text)).toEqual(['Cancel 1', 'Change address 1']);
    await t.send(updates.callback(user, String(buttons[1]?.callback_data)));
    expect(String(last(user).text)).toMatch(/no other approved TRON payout address. Add one with \/address/);
    const before = (
      await t.database.db
        .selectFrom('change_requests')
        .select('id')
        .where('kind', '=', 'trade.cancel')
        .execute()
    ).length;
    await t.send(updates.callback(user, String(buttons[0]?.callback_data)));
    expect(String(last(user).text)).toMatch(/cancellation request is filed/);
    expect(
      await t.database.db
        .selectFrom('change_requests')
        .select('id')
        .where('kind', '=', 'trade.cancel')
        .execute(),
    ).toHaveLength(before + 1);
  });

  it("says where each trade stands in the client's words", () => {
    expect(statusWords({ status: 'booked', side: 'buy' })).toBe('booked');
    expect(statusWords({ status: 'settling', side: 'buy' })).toBe('being paid');
    expect(statusWords({ status: 'settling', side: 'sell' })).toBe('waiting for your USDT');
    expect(statusWords({ status: 'settled', side: 'sell' })).toBe('settled ✅');
    expect(statusWords({ status: 'cancelled', side: 'buy' })).toBe('cancelled');
  });
});
