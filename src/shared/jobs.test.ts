import type { JobHelpers } from 'graphile-worker';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { cron, defineTask, enqueue, handle } from './jobs.js';

const PING = defineTask('test_ping', { id: z.string().min(1), count: z.number().int() }, 2);
const helpers = {} as JobHelpers;

describe('declared tasks', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ poolMax: 2 });
  });
  afterAll(async () => database.drop());

  const queued = async () =>
    (
      await sql<{
        task_identifier: string;
        payload: unknown;
      }>`select t.identifier as task_identifier, j.payload from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = ${PING.name}`.execute(
        database.db,
      )
    ).rows;

  it('enqueue writes the task name and the payload with its version', async () => {
    await enqueue(database.db, PING, { id: 'a', count: 1 }, { jobKey: 'ping-a' });
    expect(await queued()).toEqual([{ task_identifier: 'test_ping', payload: { v: 2, id: 'a', count: 1 } }]);
  });

  it('a payload that does not match its task is refused where it is written, and nothing is queued', async () => {
    const bad = { id: '', count: 1.5 };
    await expect(enqueue(database.db, PING, bad, { jobKey: 'ping-bad' })).rejects.toThrow(z.ZodError);
    expect((await queued()).map((j) => (j.payload as { id: string }).id)).toEqual(['a']);
  });

  it('the handler gets the parsed payload; a job queued before versions existed reads as version 1', async () => {
    const seen: unknown[] = [];
    const OLD = defineTask('test_old', { id: z.string() });
    const task = handle(OLD, async (p) => void seen.push(p)).test_old;
    await task?.({ id: 'x' }, helpers);
    expect(seen).toEqual([{ v: 1, id: 'x' }]);
  });

  it('a malformed payload fails the job with the task name and the reason', async () => {
    const task = handle(PING, async () => undefined).test_ping;
    await expect(task?.({ v: 2, id: 7 }, helpers)).rejects.toThrow(/test_ping: malformed payload/);
    await expect(task?.({ v: 3, id: 'a', count: 1 }, helpers)).rejects.toThrow(
      /test_ping: malformed payload/,
    );
  });

  it('cron lines name the declared task', () => {
    expect(cron('*/5 * * * *', PING)).toBe('*/5 * * * * test_ping');
  });
});
