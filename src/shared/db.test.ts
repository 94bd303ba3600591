import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { safeUrl, withTransaction } from './db.js';
import { AppError } from './errors.js';

describe('withTransaction', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await sql`create table tx_probe (id int primary key, v int not null)`.execute(t.db);
  });
  afterAll(() => t.drop());

  const count = async () =>
    Number((await sql<{ n: string }>`select count(*) as n from tx_probe`.execute(t.db)).rows[0]?.n);

  it('commits everything or nothing', async () => {
    await expect(
      withTransaction(t.db, async (tx) => {
        await sql`insert into tx_probe values (1, 1)`.execute(tx);
        throw new AppError('CONFLICT', 'stop');
      }),
    ).rejects.toThrow('stop');
    expect(await count()).toBe(0);
    await withTransaction(
      t.db,
      async (tx) => void (await sql`insert into tx_probe values (1, 1)`.execute(tx)),
    );
    expect(await count()).toBe(1);
  });

  it('joins an open transaction instead of nesting', async () => {
    await expect(
      withTransaction(t.db, async (outer) => {
        await withTransaction(
          outer,
          async (inner) => void (await sql`insert into tx_probe values (2, 2)`.execute(inner)),
        );
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    expect(await count()).toBe(1);
  });

  it('retries a serialization failure', async () => {
    let attempts = 0;
    const result = await withTransaction(t.db, async (tx) => {
      attempts++;
      if (attempts === 1) throw Object.assign(new Error('could not serialize access'), { code: '40001' });
      await sql`update tx_probe set v = v + 1 where id = 1`.execute(tx);
      return 'done';
    });
    expect(result).toBe('done');
    expect(attempts).toBe(2);
  });

  it('does not retry a domain error', async () => {
    let attempts = 0;
    await expect(
      withTransaction(t.db, async () => {
        attempts++;
        throw new AppError('ALREADY_DECIDED', 'no');
      }),
    ).rejects.toThrow('no');
    expect(attempts).toBe(1);
  });
});

describe('safeUrl', () => {
  it('masks the password', () => {
    expect(safeUrl('postgres://desk:s3cret@db:5432/desk')).toBe('postgres://desk:***@db:5432/desk');
  });
});
