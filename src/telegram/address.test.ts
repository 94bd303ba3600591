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

describe('Telegram /address', () => {
  let t: TelegramTestServer;
  beforeAll(async () => {
    t = await buildTelegramServer();
  });
  afterAll(() => t.close());

  async function clientUser(
    id: number,
    status: 'active' | 'suspended' = 'active',
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
        status,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { user, clientId: client.id };
  }
  const lastText = (user: TgUser) => String(t.tg.lastTo(user.id).text);

  it('registers a valid address as a client.address request awaiting approval and lists it', async () => {
    const { user, clientId } = await clientUser(7_100_001);
    await t.send(updates.text(user, '/address'));
    expect(lastText(user)).toMatch(/no payout addresses yet/);
    await t.send(updates.text(user, `/address tron ${TRON}`));
    const text = lastText(user);
    assertTelegramHtml(text);
    expect(text).toMatch(/awaits the desk's approval/);
    const requests = await t.database.db
      .selectFrom('change_requests')
      .selectAll()
      .where('kind', '=', 'client.address')
      .execute();
    expect(
      requests.some(
        (r) => JSON.stringify(r.payload).includes(clientId) && JSON.stringify(r.payload).includes(TRON),
      ),
    ).toBe(true);
    await t.send(updates.text(user, '/address'));
    expect(lastText(user)).toMatch(new RegExp(`${TRON}</code> — awaiting approval`));
  });

  it('guided: Add address → network → the address text (an invalid one is asked again) → filed like /address network address', async () => {
    const { user, clientId } = await clientUser(7_100_004);
    await t.send(updates.text(user, '/address'));
    const [add] = RecordingTelegram.buttons(t.tg.lastTo(user.id));
    expect(add?.text).toMatch(/Add address/);
    await t.send(updates.callback(user, String(add?.callback_data)));
    const networks = RecordingTelegram.buttons(t.tg.lastTo(user.id));
    expect(networks.map((b) => b.text)).toEqual(['TRON (TRC-20)', 'Ethereum (ERC-20)']);
    await t.send(updates.callback(user, String(networks[0]?.callback_data)));
    expect(lastText(user)).toMatch(/Send your TRON payout address/);

    await t.send(updates.text(user, 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6x'));
    expect(lastText(user)).toMatch(/The address is refused: [\s\S]*Send the TRON address again/);
    await t.send(updates.text(user, `  ${TRON}  `));
    const text = lastText(user);
    assertTelegramHtml(text);
    expect(text).toMatch(/awaits the desk's approval/);
    const requests = await t.database.db
      .selectFrom('change_requests')
      .selectAll()
      .where('kind', '=', 'client.address')
      .execute();
    const mine = requests.filter((r) => JSON.stringify(r.payload).includes(clientId));
    expect(mine).toHaveLength(1);
    expect(mine[0]?.payload).toMatchObject({ clientId, network: 'tron', address: TRON, action: 'whitelist' });
    // The conversation is over.
    await t.send(updates.text(user, TRON));
    expect(lastText(user)).toMatch(/I did not understand that/);
  });

  it('refuses an invalid address with the reason and an inactive client', async () => {
    const { user } = await clientUser(7_100_002);
    await t.send(updates.text(user, '/address tron TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6x'));
    expect(lastText(user)).toMatch(/The address is refused: /);
    await t.send(updates.text(user, '/address ethereum 0x123'));
    expect(lastText(user)).toMatch(/The address is refused: /);
    await t.send(updates.text(user, '/address dogecoin abc'));
    expect(lastText(user)).toMatch(/Register a payout address like this/);
    const { user: suspended } = await clientUser(7_100_003, 'suspended');
    await t.send(updates.text(suspended, `/address tron ${TRON}`));
    expect(lastText(suspended)).toMatch(/not active/);
  });
});
