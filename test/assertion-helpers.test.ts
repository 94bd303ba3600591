import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PAGE } from '../src/audit/audit.search.js';
import { withTransaction } from '../src/shared/db.js';
import {
  auditTrail,
  firstAuditEvent,
  insertEvents,
  lastAuditEvent,
  type TrailFilter,
} from './support/audit.js';
import { notificationsFor, type NotificationFilter } from './support/notifications.js';
import { buildTestServer, type TestServer } from './support/server.js';

/**
 * The helpers tests read the audit trail and the outbox through select exactly the rows the
 * hand-written queries they replaced did: these pin each filter, the order, and the paging.
 */
describe('auditTrail and notificationsFor', () => {
  let t: TestServer;
  const record = (e: Parameters<TestServer['desk']['services']['audit']['record']>[1]) =>
    withTransaction(t.database.db, (tx) => t.desk.services.audit.record(tx, e));

  beforeAll(async () => {
    t = await buildTestServer();
    await record({ actorType: 'operator', actorId: 'op:1', action: 'h.one', entityType: 'a', entityId: 'E' });
    await record({ actorType: 'system', action: 'h.two', entityType: 'b', entityId: 'E', requestId: 'r-2' });
    await record({ actorType: 'operator', actorId: 'op:1', action: 'h.three', data: { n: 3 } });
    await t.desk.services.notifications.enqueue(t.database.db, [
      { recipientType: 'operator', recipientId: 'p1', template: 'h.a', data: { requestId: 'R1' } },
      { recipientType: 'ops_chat', template: 'h.b', data: { requestId: 'R1', reason: 'stop 1' } },
      { recipientType: 'operator', recipientId: 'p2', template: 'other_x', data: { requestId: 'R2' } },
    ]);
  });
  afterAll(() => t.close());

  const actions = async (filter: TrailFilter) =>
    (await auditTrail(t, filter)).filter((e) => e.action.startsWith('h.')).map((e) => e.action);

  it('filters the audit trail by each field, oldest first', async () => {
    expect(await actions({ entityId: 'E' })).toEqual(['h.one', 'h.two']); // any entity type
    expect(await actions({ entityType: 'b', entityId: 'E' })).toEqual(['h.two']);
    expect(await actions({ entityId: null })).toEqual(['h.three']);
    expect(await actions({ actorId: 'op:1' })).toEqual(['h.one', 'h.three']); // a colon in the id
    expect(await actions({ actorType: 'system', actorId: 'op:1' })).toEqual([]);
    expect(await actions({ actions: ['h.three', 'h.one'] })).toEqual(['h.one', 'h.three']);
    expect(await actions({ actionPrefix: 'h.t' })).toEqual(['h.two', 'h.three']);
    expect(await actions({ requestId: 'r-2' })).toEqual(['h.two']);
    expect(await actions({ action: 'h.two', entityId: 'E' })).toEqual(['h.two']);
    expect(await actions({ where: (e) => (e.data as { n?: number }).n === 3 })).toEqual(['h.three']);
    expect(await actions({ from: new Date(0) })).toEqual(['h.one', 'h.two', 'h.three']);
    expect(await actions({ from: new Date('9999-01-01T00:00:00Z') })).toEqual([]);
  });

  it('keeps only the fields asked for; first and last are the oldest and newest match', async () => {
    expect(await auditTrail(t, { action: 'h.one', fields: ['actorType', 'actorId'] })).toEqual([
      { actorType: 'operator', actorId: 'op:1' },
    ]);
    expect((await firstAuditEvent(t, { actorId: 'op:1' })).action).toBe('h.one');
    expect((await lastAuditEvent(t, { actorId: 'op:1' })).action).toBe('h.three');
    await expect(lastAuditEvent(t, { action: 'h.none' })).rejects.toThrow(/no audit event matches/);
  });

  it('reads every page of the search, in id order', async () => {
    await insertEvents(t.database.db, MAX_PAGE * 2 + 7, { action: 'h.bulk' });
    const bulk = await auditTrail(t.database, { action: 'h.bulk' });
    expect(bulk).toHaveLength(MAX_PAGE * 2 + 7);
    expect(bulk.map((e) => (e.data as { n: number }).n)).toEqual(
      Array.from({ length: MAX_PAGE * 2 + 7 }, (_, i) => i + 1),
    );
  });

  it('filters the outbox by each field, oldest first', async () => {
    const templates = async (filter: NotificationFilter) =>
      (await notificationsFor(t, filter)).map((n) => n.template);
    expect(await templates({ requestId: 'R1' })).toEqual(['h.a', 'h.b']);
    expect(await templates({ templatePrefix: 'h.' })).toEqual(['h.a', 'h.b']);
    expect(await templates({ templatePrefix: 'other_' })).toEqual(['other_x']);
    expect(await templates({ template: 'h.b', recipientType: 'ops_chat' })).toEqual(['h.b']);
    expect(await templates({ recipientId: 'p2' })).toEqual(['other_x']);
    expect(await templates({ recipientIds: ['p1', 'p2'] })).toEqual(['h.a', 'other_x']);
    expect(await templates({ recipientIds: [] })).toEqual([]);
    expect(await templates({ where: (n) => n.data.reason === 'stop 1' })).toEqual(['h.b']);
    expect(await notificationsFor(t, { template: 'h.a', fields: ['recipientId', 'status'] })).toEqual([
      { recipientId: 'p1', status: 'queued' },
    ]);
  });
});
