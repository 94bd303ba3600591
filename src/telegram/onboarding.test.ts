import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, person, REASON, type Person } from '../../test/support/approvals.js';
import { buildTestServer } from '../../test/support/server.js';
import {
  assertTelegramHtml,
  BOT_INFO,
  buildTelegramServer,
  OPS_CHAT_ID,
  PUBLIC_URL,
  RecordingTelegram,
  TEST_BOT_TOKEN,
  updates,
  type TelegramTestServer,
} from '../../test/support/telegram.js';

/** Client onboarding end to end: /start → four answers → client.access request → two operators decide → client told. */
describe('client onboarding', () => {
  let t: TelegramTestServer;
  let ops1: Person; // ops approver
  let ops2: Person; // risk officer
  const client = { id: 9301, first_name: 'Bea', username: 'bea' };
  const hostile = '<b>*_[ Bea';
  let clientId = '';

  beforeAll(async () => {
    t = await buildTelegramServer();
    [ops1, ops2] = await Promise.all([person(t, ['ops_approver']), person(t, ['risk_officer'])]);
  });
  afterAll(() => t.close());

  const reply = (id = client.id) => String(t.tg.lastTo(id).text);
  const conversation = async (id: number) =>
    t.database.db
      .selectFrom('telegram_conversations')
      .select(['flow', 'step', 'data'])
      .where('telegram_user_id', '=', String(id))
      .executeTakeFirst();
  const clientRow = async () =>
    t.database.db
      .selectFrom('clients')
      .selectAll()
      .where('telegram_user_id', '=', String(client.id))
      .executeTakeFirstOrThrow();
  const decide = async (requestId: string, by: [Person, Person] = [ops1, ops2]) => {
    expect(
      (
        await call(t, by[0], 'POST', `/api/approvals/${requestId}/approve`, {
          reason: REASON,
          secondaryApproverId: by[1].id,
        })
      ).status,
    ).toBe(200);
    const cosigned = await call<{ status: string }>(t, by[1], 'POST', `/api/approvals/${requestId}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    expect(cosigned.body.status).toBe('approved');
  };

  it('/start by an unknown user asks four questions, keeping the answers in PostgreSQL', async () => {
    await t.send(updates.text(client, '/start'));
    expect(reply()).toMatch(/Welcome to the desk[\s\S]*1\/4 · What is your full name\?/);
    await t.send(updates.text(client, 'B'));
    expect(reply()).toMatch(/A name needs 2 to 100 characters/);
    await t.send(updates.text(client, hostile));
    expect(reply()).toMatch(/2\/4 · Which company/);
    expect(await conversation(client.id)).toEqual({
      flow: 'onboarding',
      step: 'company',
      data: { name: hostile },
    });

    // Another desk process (a restart, a second replica) carries on where this one stopped.
    const tg2 = new RecordingTelegram();
    const other = await buildTestServer({
      database: t.database,
      env: { TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN, PUBLIC_URL },
      telegram: { botInfo: BOT_INFO, configureApi: tg2.install },
    });
    try {
      await other.desk.telegram?.bot.handleUpdate(updates.text(client, 'ACME <Trading> & Co'));
      expect(String(tg2.lastTo(client.id).text)).toMatch(/3\/4 · In which country/);
    } finally {
      await other.close(); // the database is t's: close() leaves it to t
    }
    await t.send(updates.text(client, 'Malta'));
    const q4 = t.tg.lastTo(client.id);
    expect(q4.text).toMatch(/4\/4 · What volume/);
    expect(RecordingTelegram.buttons(q4).map((b) => b.text)).toEqual([
      'under 100k USDT',
      '100k–1M USDT',
      '1M–10M USDT',
      'over 10M USDT',
    ]);
    await t.send(updates.text(client, 'lots'));
    expect(reply()).toMatch(/Choose one of the buttons/);
  });

  it('choosing the volume files a client.access request in the client’s name', async () => {
    await t.send(updates.callback(client, 'ob:v:1'));
    expect(reply()).toMatch(/Thank you, &lt;b&gt;\*_\[ Bea\.<\/b> Your application is filed/);
    assertTelegramHtml(reply());
    const row = await clientRow();
    clientId = row.id;
    expect(row).toMatchObject({
      status: 'pending',
      name: hostile,
      company: 'ACME <Trading> & Co',
      country: 'Malta',
      monthly_volume: '100k–1M USDT',
      telegram_username: 'bea',
    });
    const req = await sql<{
      kind: string;
      status: string;
      requested_by_type: string;
      requested_by_id: string;
      summary: string;
      payload: unknown;
    }>`
      select kind, status, requested_by_type, requested_by_id, summary, payload from change_requests where requested_by_id = ${row.id}`.execute(
      t.database.db,
    );
    expect(req.rows).toEqual([
      {
        kind: 'client.access',
        status: 'pending',
        requested_by_type: 'client',
        requested_by_id: row.id,
        summary: `Grant access to ${hostile} (ACME <Trading> & Co, Malta; 100k–1M USDT a month)`,
        payload: { clientId: row.id, action: 'grant' },
      },
    ]);
    expect(await conversation(client.id)).toBeUndefined();

    // A second press (or a replayed update) files nothing more.
    await t.send(updates.callback(client, 'ob:v:2'));
    expect(t.tg.answers().at(-1)).toMatchObject({ text: 'This question is closed. Send /start to begin.' });
  });

  it('the ops chat hears about it with the client’s text escaped', async () => {
    await t.deliver();
    const alert = t.tg.lastTo(OPS_CHAT_ID);
    expect(alert.text).toContain('Requested by: client &lt;b&gt;*_[ Bea (ACME &lt;Trading&gt; &amp; Co)');
    assertTelegramHtml(String(alert.text));
    await t.send(updates.text(client, '/status'));
    expect(reply()).toMatch(/being reviewed/);
  });

  it('two operators decide in the API; the client is told, once, in plain words', async () => {
    const [req] = (
      await sql<{ id: string }>`select id from change_requests where requested_by_id = ${clientId}`.execute(
        t.database.db,
      )
    ).rows;
    await decide(req?.id ?? '');
    expect((await clientRow()).status).toBe('active');
    t.tg.clear();
    await t.deliver();
    expect(t.tg.textsTo(client.id)).toEqual([expect.stringMatching(/Your account is active/)]);
    await t.send(updates.text(client, '/status'));
    expect(reply()).toMatch(/active<\/b>: you can trade/);
    await t.send(updates.text(client, '/start'));
    expect(reply()).toMatch(/active<\/b>: you can trade/); // no second application
  });

  it('a suspended client is told they cannot trade, and told again when reinstated', async () => {
    const filed = await call<{ id: string }>(t, ops1, 'POST', '/api/approvals', {
      kind: 'client.access',
      payload: { clientId, action: 'suspend' },
      note: 'Compliance review',
    });
    expect(filed.status).toBe(201);
    const ops3 = await person(t, ['ops_approver']);
    await decide(filed.body.id, [ops2, ops3]);
    t.tg.clear();
    await t.deliver();
    expect(t.tg.textsTo(client.id)).toEqual([
      expect.stringMatching(/Your account is suspended.*\n.*cannot trade/),
    ]);
    await t.send(updates.text(client, 'I want to buy 100k USDT'));
    expect(reply()).toMatch(/suspended: you cannot trade/);
    await t.send(updates.text(client, '/status'));
    expect(reply()).toMatch(/suspended<\/b>: you cannot trade/);

    // The engine refuses what does not fit the client's status, in the API's words.
    const again = await call<{ code: string }>(t, ops1, 'POST', '/api/approvals', {
      kind: 'client.access',
      payload: { clientId, action: 'suspend' },
    });
    expect(again).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });

    const reinstate = await call<{ id: string }>(t, ops3, 'POST', '/api/approvals', {
      kind: 'client.access',
      payload: { clientId, action: 'reinstate' },
    });
    await decide(reinstate.body.id);
    t.tg.clear();
    await t.deliver();
    expect(t.tg.textsTo(client.id)).toEqual([expect.stringMatching(/Your account is active again/)]);
    expect((await clientRow()).status).toBe('active');
  });

  it('a declined applicant is told, and may apply again', async () => {
    const applicant = { id: 9302, first_name: 'Cy' };
    await t.send(updates.text(applicant, '/start'));
    for (const answer of ['Cy Young', 'Young Ltd', 'Chile']) await t.send(updates.text(applicant, answer));
    await t.send(updates.callback(applicant, 'ob:v:0'));
    const [req] = (
      await sql<{
        id: string;
        requested_by_id: string;
      }>`select id, requested_by_id from change_requests where summary like 'Grant access to Cy Young%'`.execute(
        t.database.db,
      )
    ).rows;
    expect(
      (
        await call(t, ops1, 'POST', `/api/approvals/${req?.id}/reject`, {
          reason: 'Could not verify the company',
        })
      ).status,
    ).toBe(200);
    t.tg.clear();
    await t.deliver();
    expect(t.tg.textsTo(applicant.id)).toEqual([expect.stringMatching(/not approved/)]);
    expect(t.tg.textsTo(applicant.id)[0]).not.toMatch(/verify the company/);

    await t.send(updates.text(applicant, '/start'));
    const offer = t.tg.lastTo(applicant.id);
    expect(offer.text).toMatch(/was not approved\. You can apply again/);
    expect(RecordingTelegram.buttons(offer)).toEqual([{ text: 'Apply again', callback_data: 'ap:again' }]);
    await t.send(updates.callback(applicant, 'ap:again'));
    expect(reply(applicant.id)).toMatch(/filed again/);
    await t.send(updates.callback(applicant, 'ap:again'));
    expect(t.tg.answers().at(-1)).toMatchObject({
      show_alert: true,
      text: expect.stringMatching(/Not now\nYour application is already being reviewed/) as unknown,
    });
    const filed = await sql<{
      n: number;
    }>`select count(*)::int as n from change_requests where requested_by_id = ${req?.requested_by_id} and status = 'pending'`.execute(
      t.database.db,
    );
    expect(filed.rows[0]?.n).toBe(1);
  });

  /** A new applicant who answered everything; returns their pending client.access request. */
  const apply = async (u: { id: number; first_name: string }, name: string) => {
    await t.send(updates.text(u, '/start'));
    for (const answer of [name, `${name} Ltd`, 'Peru']) await t.send(updates.text(u, answer));
    await t.send(updates.callback(u, 'ob:v:0'));
    const [req] = (
      await sql<{
        id: string;
      }>`select id from change_requests where summary like ${`Grant access to ${name} (%`}`.execute(
        t.database.db,
      )
    ).rows;
    if (!req) throw new Error(`no application from ${name}`);
    return req.id;
  };

  it('an applicant whose request expires is told, in plain words', async () => {
    const u = { id: 9304, first_name: 'Eve' };
    const id = await apply(u, 'Eve Late');
    await sql`update change_requests set expires_at = now() - interval '1 second' where id = ${id}`.execute(
      t.database.db,
    );
    expect(await t.desk.services.approvals.expireDue()).toBeGreaterThanOrEqual(1);
    t.tg.clear();
    await t.deliver();
    expect(t.tg.textsTo(u.id)).toEqual([
      expect.stringMatching(
        /^⌛ <b>Your application was not reviewed in time\.<\/b>\nIt expired without a decision\. Send \/start to apply again\.$/,
      ),
    ]);
  });

  it('an applicant whose request fails at co-sign (the client changed meanwhile) is told, in plain words', async () => {
    const u = { id: 9305, first_name: 'Fay' };
    const id = await apply(u, 'Fay Moved');
    expect(
      (
        await call(t, ops1, 'POST', `/api/approvals/${id}/approve`, {
          reason: REASON,
          secondaryApproverId: ops2.id,
        })
      ).status,
    ).toBe(200);
    // The client's record changes between the two approvals: what the co-signer would apply is no longer what was approved.
    await sql`update clients set version = version + 1 where telegram_user_id = ${String(u.id)}`.execute(
      t.database.db,
    );
    const cosigned = await call(t, ops2, 'POST', `/api/approvals/${id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    expect(cosigned).toMatchObject({ status: 409, body: { code: 'STALE_REQUEST' } });
    expect(
      (
        await t.database.db
          .selectFrom('change_requests')
          .select('status')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe('failed');
    t.tg.clear();
    await t.deliver();
    expect(t.tg.textsTo(u.id)).toEqual([
      expect.stringMatching(
        /^⚠️ <b>Your application could not be completed\.<\/b>\nSomething changed while it was being approved\. Send \/start to apply again\.$/,
      ),
    ]);
  });

  it('/cancel stops an application; /help lists the commands', async () => {
    const u = { id: 9303, first_name: 'Dee' };
    await t.send(updates.text(u, '/start'));
    await t.send(updates.text(u, '/cancel'));
    expect(reply(u.id)).toMatch(/Stopped/);
    expect(await conversation(u.id)).toBeUndefined();
    await t.send(updates.text(u, '/help'));
    expect(reply(u.id)).toMatch(/\/start — open an account[\s\S]*\/status/);
  });
});
