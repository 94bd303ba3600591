import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOperator, type TestOperator } from '../../test/support/factories.js';
import { buildTelegramServer, updates, type TelegramTestServer } from '../../test/support/telegram.js';
import { DELIVER_TASK } from './telegram.jobs.js';

/** Operator linking: `/link CODE` from the console's one-time code, `/unlink`, and what needs a link. */
describe('operator linking', () => {
  let t: TelegramTestServer;
  let op: TestOperator;
  let other: TestOperator;
  const tgUser = { id: 9101, first_name: 'Olga' };

  beforeAll(async () => {
    t = await buildTelegramServer();
    op = await newOperator(t, { roles: ['ops_approver'] });
    other = await newOperator(t, { roles: ['risk_officer'] });
  });
  afterAll(() => t.close());

  const linkedId = async (operatorId: string) =>
    (
      await t.database.db
        .selectFrom('operators')
        .select('telegram_user_id')
        .where('id', '=', operatorId)
        .executeTakeFirstOrThrow()
    ).telegram_user_id;
  const code = async (operatorId: string) =>
    (
      await t.desk.services.account.issueTelegramLinkCode(operatorId, {
        actorType: 'operator',
        actorId: operatorId,
      })
    ).code;
  const reply = () => String(t.tg.lastTo(tgUser.id).text);

  it('operator features need a linked account', async () => {
    await t.send(updates.text(tgUser, '/pending'));
    expect(reply()).toMatch(/\/pending is for operators: link this account first/);
  });

  it('/link without a code says how', async () => {
    await t.send(updates.text(tgUser, '/link'));
    expect(reply()).toMatch(/Send <code>\/link CODE<\/code>/);
  });

  it('a wrong code is refused in plain words and binds nothing', async () => {
    await t.send(updates.text(tgUser, '/link ABCD-EFGH'));
    expect(reply()).toMatch(/That link code is not valid/);
    expect(await linkedId(op.id)).toBeNull();
  });

  it('/link CODE binds the Telegram account to the operator, audited', async () => {
    const c = await code(op.id);
    await t.send(updates.text(tgUser, `/link ${c.toLowerCase().slice(0, 4)}-${c.slice(4)}`));
    expect(reply()).toMatch(new RegExp(`Linked.*operator ${op.name}`));
    expect(await linkedId(op.id)).toBe(String(tgUser.id));
    const audit = await sql<{
      action: string;
      actor_id: string;
      data: { telegramUserId: string };
    }>`select action, actor_id, data from audit_events where entity_id = ${op.id} and action = 'operator.telegram_linked'`.execute(
      t.database.db,
    );
    expect(audit.rows).toEqual([
      {
        action: 'operator.telegram_linked',
        actor_id: op.id,
        data: expect.objectContaining({ telegramUserId: String(tgUser.id) }) as unknown,
      },
    ]);
  });

  it('the same code cannot be used twice', async () => {
    const c = await code(other.id);
    await t.send(updates.text({ id: 9102, first_name: 'Eve' }, `/link ${c}`));
    await t.send(updates.text({ id: 9103, first_name: 'Mallory' }, `/link ${c}`));
    expect(String(t.tg.lastTo(9103).text)).toMatch(/not valid/);
    expect(await linkedId(other.id)).toBe('9102');
  });

  it('one Telegram account cannot belong to two operators', async () => {
    const c = await code(other.id);
    await t.send(updates.text(tgUser, `/link ${c}`));
    expect(reply()).toMatch(/already linked to another operator/);
    expect(await linkedId(other.id)).toBe('9102');
  });

  it('/unlink unbinds (audited); a second /unlink says there is nothing linked', async () => {
    await t.send(updates.text(tgUser, '/unlink'));
    expect(reply()).toMatch(new RegExp(`no longer operator ${op.name}'s`));
    expect(await linkedId(op.id)).toBeNull();
    const audit = await sql<{
      n: number;
    }>`select count(*)::int as n from audit_events where entity_id = ${op.id} and action = 'operator.telegram_unlinked'`.execute(
      t.database.db,
    );
    expect(audit.rows[0]?.n).toBe(1);
    await t.send(updates.text(tgUser, '/unlink'));
    expect(reply()).toMatch(/not linked to any operator/);
  });

  it('writing a notification wakes the deliverer in the same transaction (one job, however many rows)', async () => {
    await t.desk.services.notifications.enqueue(t.database.db, [
      { recipientType: 'ops_chat', template: 'approval.requested', data: {} },
      { recipientType: 'operator', recipientId: op.id, template: 'approval.requested', data: {} },
    ]);
    await t.desk.services.notifications.enqueue(t.database.db, [
      { recipientType: 'ops_chat', template: 'approval.requested', data: {} },
    ]);
    const jobs = await sql<{
      n: number;
    }>`select count(*)::int as n from graphile_worker.jobs where task_identifier = ${DELIVER_TASK.name}`.execute(
      t.database.db,
    );
    expect(jobs.rows[0]?.n).toBe(1);
  });
});
