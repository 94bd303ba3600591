import type { OwnerRole } from '../../src/alerts/alerts.definitions.js';
import type { CycleResult } from '../../src/alerts/alerts.evaluator.js';
import type { TestServer } from './server.js';
import { person, type Person } from './approvals.js';

let nextTelegramId = 700_000;

/** An operator holding `role` whose Telegram account is linked (so alerts are told to them). */
export async function linkedOwner(t: TestServer, role: OwnerRole): Promise<Person> {
  const p = await person(t, [role]);
  const { code } = await t.desk.services.account.issueTelegramLinkCode(p.id, {
    actorType: 'operator',
    actorId: p.id,
  });
  await t.desk.services.account.consumeTelegramLinkCode(code, ++nextTelegramId);
  return p;
}

/** One evaluation cycle, after every error count written so far has landed. */
export async function evaluate(t: TestServer): Promise<CycleResult> {
  await t.desk.metrics.errors.settled();
  return t.desk.services.alerts.evaluator.cycle();
}

/** The rule's recorded transitions, oldest first. */
export async function transitionsOf(t: TestServer, rule: string) {
  const rows = await t.database.db
    .selectFrom('alert_events')
    .selectAll()
    .where('rule', '=', rule)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ from: r.from_state, to: r.to_state, value: r.value, silenced: r.silenced }));
}

/** Outbox rows of one alert notice (`alert.firing`, `alert.repeat`, `alert.resolved`) about one rule. */
export async function alertNoticesOf(t: TestServer, rule: string, template: string) {
  const rows = await t.database.db
    .selectFrom('notifications')
    .selectAll()
    .where('template', '=', template)
    .orderBy('id')
    .execute();
  return rows
    .filter((r) => (r.data as { alert?: string }).alert === rule)
    .map((r) => ({
      recipientType: r.recipient_type,
      recipientId: r.recipient_id,
      data: r.data as Record<string, unknown>,
    }));
}

export async function stateOf(t: TestServer, rule: string) {
  return t.database.db
    .selectFrom('alert_state')
    .selectAll()
    .where('name', '=', rule)
    .executeTakeFirstOrThrow();
}
