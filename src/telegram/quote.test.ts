import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertTelegramHtml,
  buildTelegramServer,
  RecordingTelegram,
  updates,
  type TelegramTestServer,
  type TgUser,
} from '../../test/support/telegram.js';

const TRON = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';

describe('Telegram /quote and Accept', () => {
  let t: TelegramTestServer;
  beforeAll(async () => {
    t = await buildTelegramServer({ env: { PRICING_REFERENCE_MID: '1', PRICING_SPREAD_TIERS: '0:10' } });
  });
  afterAll(() => t.close());

  async function clientUser(id: number): Promise<{ user: TgUser; clientId: string }> {
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
    await t.database.db
      .insertInto('client_addresses')
      .values({
        client_id: client.id,
        network: 'tron',
        address: TRON,
        status: 'whitelisted',
        whitelisted_at: new Date(),
        removed_at: null,
      })
      .execute();
    return { user, clientId: client.id };
  }
  const last = (user: TgUser) => t.tg.lastTo(user.id);

  it('quotes with the price, the total as a desk rounds it, the seconds left and an Accept button that books the trade once', async () => {
    const { user, clientId } = await clientUser(7_000_001);
    await t.send(updates.text(user, '/quote buy 25000 tron'));
    const quote = last(user);
    const text = String(quote.text);
    assertTelegramHtml(text);
    expect(text).toMatch(/You buy <b>25000 USDT<\/b> on TRON/);
    expect(text).toMatch(/Price: <b>1.001<\/b>/);
    expect(text).toMatch(/You pay <b>25025.00 USD<\/b> \(rounded up to the cent\)/);
    expect(text).toMatch(/Firm for <b>1[45] s<\/b>/);
    const [button] = RecordingTelegram.buttons(quote);
    expect(button?.text).toBe('Accept');

    expect(String(button?.callback_data)).toMatch(/^c:[A-Za-z0-9_-]{22}$/); // an opaque token, not the quote id
    await t.send(updates.callback(user, String(button?.callback_data)));
    expect(String(last(user).text)).toMatch(/Trade booked/);
    const sent = t.tg.of('sendMessage', user.id).length;
    await t.send(updates.callback(user, String(button?.callback_data)));
    expect(t.tg.answers().at(-1)).toMatchObject({ text: 'This button was already used.', show_alert: true });
    expect(t.tg.of('sendMessage', user.id)).toHaveLength(sent);
    expect(
      await t.database.db.selectFrom('trades').select('id').where('client_id', '=', clientId).execute(),
    ).toHaveLength(1);
  });

  it('guided /quote: Buy → network → amount (a bad one is asked again) → the same quote → Accept books the trade', async () => {
    const { user, clientId } = await clientUser(7_000_004);
    await t.send(updates.text(user, '/quote'));
    expect(String(last(user).text)).toMatch(/buy.*or.*sell/);
    const sides = RecordingTelegram.buttons(last(user));
    expect(sides.map((b) => b.text)).toEqual(['Buy', 'Sell']);
    await t.send(updates.callback(user, String(sides[0]?.callback_data)));
    const networks = RecordingTelegram.buttons(last(user));
    expect(networks.map((b) => b.text)).toEqual(['TRON (TRC-20)', 'Ethereum (ERC-20)']);
    await t.send(updates.callback(user, String(networks[0]?.callback_data)));
    expect(String(last(user).text)).toMatch(/How many USDT do you want to buy on TRON/);

    await t.send(updates.text(user, 'lots'));
    expect(String(last(user).text)).toMatch(
      /That amount is refused: the amount must be a decimal number[\s\S]*Send the number of USDT/,
    );
    await t.send(updates.text(user, '1.1234567'));
    expect(String(last(user).text)).toMatch(/at most 6 decimals/);
    expect(
      await t.database.db.selectFrom('rfqs').select('id').where('client_id', '=', clientId).execute(),
    ).toHaveLength(0);

    await t.send(updates.text(user, '25000'));
    const quote = last(user);
    assertTelegramHtml(String(quote.text));
    expect(String(quote.text)).toMatch(/You buy <b>25000 USDT<\/b> on TRON/);
    expect(String(quote.text)).toMatch(/You pay <b>25025.00 USD<\/b>/);
    // The conversation is over: the next text is not read as an amount.
    await t.send(updates.text(user, '500'));
    expect(String(last(user).text)).toMatch(/I did not understand that/);

    const [accept] = RecordingTelegram.buttons(quote);
    expect(accept?.text).toBe('Accept');
    await t.send(updates.callback(user, String(accept?.callback_data)));
    expect(String(last(user).text)).toMatch(/Trade booked[\s\S]*You buy 25000 USDT/);
    expect(
      await t.database.db
        .selectFrom('trades')
        .select('amount_units')
        .where('client_id', '=', clientId)
        .execute(),
    ).toEqual([{ amount_units: '25000000000' }]);
  });

  it('Accept pressed by another Telegram user is refused and the token stays good for the client', async () => {
    const { user, clientId } = await clientUser(7_000_005);
    const { user: other } = await clientUser(7_000_006);
    await t.send(updates.text(user, '/quote buy 100 tron'));
    const [accept] = RecordingTelegram.buttons(last(user));
    await t.send(updates.callback(other, String(accept?.callback_data)));
    expect(t.tg.answers().at(-1)).toMatchObject({ show_alert: true });
    expect(String(t.tg.answers().at(-1)?.text)).toMatch(/not yours/);
    expect(
      await t.database.db.selectFrom('trades').select('id').where('client_id', '=', clientId).execute(),
    ).toHaveLength(0);
    const tokens = await t.database.db
      .selectFrom('telegram_callback_tokens')
      .select(['used_at', 'action'])
      .where('telegram_user_id', '=', String(user.id))
      .execute();
    expect(tokens).toEqual([{ used_at: null, action: 'quote.accept' }]);

    await t.send(updates.callback(user, String(accept?.callback_data)));
    expect(String(last(user).text)).toMatch(/Trade booked/);
    await t.send(updates.callback(user, String(accept?.callback_data)));
    expect(t.tg.answers().at(-1)).toMatchObject({ text: 'This button was already used.' });
    await t.send(updates.callback(user, 'c:AAAAAAAAAAAAAAAAAAAAAA'));
    expect(t.tg.answers().at(-1)).toMatchObject({ text: 'This button is not valid any more.' });
  });

  it('an expired quote is refused with an offer to quote again; bad input gets the usage', async () => {
    const { user, clientId } = await clientUser(7_000_002);
    await t.send(updates.text(user, '/quote sell 10 tron'));
    const [button] = RecordingTelegram.buttons(last(user));
    await t.database.db
      .updateTable('quotes')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('client_id', '=', clientId)
      .execute();
    await t.send(updates.callback(user, String(button?.callback_data)));
    expect(String(last(user).text)).toMatch(/expired[\s\S]*Re-quote/);
    const [requote] = RecordingTelegram.buttons(last(user));
    expect(requote?.text).toBe('Re-quote');
    await t.send(updates.callback(user, String(requote?.callback_data)));
    expect(String(last(user).text)).toMatch(/You sell <b>10 USDT<\/b> on TRON/);
    const [fresh] = RecordingTelegram.buttons(last(user));
    await t.send(updates.callback(user, String(fresh?.callback_data)));
    expect(String(last(user).text)).toMatch(/Trade booked/);

    await t.send(updates.text(user, '/quote buy 1.1234567 tron'));
    expect(String(last(user).text)).toMatch(/at most 6 decimals/);
    await t.send(updates.text(user, '/quote hold 5 tron'));
    expect(String(last(user).text)).toMatch(/Ask like this/);

    const stranger: TgUser = { id: 7_000_099, first_name: 'Eve' };
    await t.send(updates.text(stranger, '/quote buy 5 tron'));
    expect(String(last(stranger).text)).toMatch(/Send \/start to apply/);
  });

  it('/trades lists trades and Cancel on a booked one files trade.cancel', async () => {
    const { user } = await clientUser(7_000_003);
    await t.send(updates.text(user, '/quote buy 5 tron'));
    const [accept] = RecordingTelegram.buttons(last(user));
    await t.send(updates.callback(user, String(accept?.callback_data)));
    await t.send(updates.text(user, '/trades'));
    expect(String(last(user).text)).toMatch(/buy 5 USDT on tron — booked/);
    const [cancel] = RecordingTelegram.buttons(last(user));
    await t.send(updates.callback(user, String(cancel?.callback_data)));
    expect(String(last(user).text)).toMatch(/cancellation request is filed/);
    expect(
      await t.database.db
        .selectFrom('change_requests')
        .select('id')
        .where('kind', '=', 'trade.cancel')
        .execute(),
    ).toHaveLength(1);
  });
});
