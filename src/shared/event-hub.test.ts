import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { createEventHub } from './event-hub.js';

describe('event hub', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    // One connection in the pool: the hub is handed the same one back every time.
    database = await createTestDatabase({ poolMax: 1 });
  });
  afterAll(() => database.drop());

  async function listenerCounts() {
    const c = await database.pool.connect();
    try {
      return ['error', 'end', 'notification'].map((e) => c.listenerCount(e));
    } finally {
      c.release();
    }
  }

  it('leaves no listener on the pooled connection it gives back, however often consoles come and go', async () => {
    const before = await listenerCounts();
    const hub = createEventHub(database.pool);
    for (let i = 0; i < 15; i++) {
      const unsubscribe = await hub.subscribe(() => undefined);
      await unsubscribe();
    }
    expect(await listenerCounts()).toEqual(before);
    await hub.close();
  });
});
