import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOperator } from '../../test/support/factories.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { fixedClock } from '../shared/clock.js';
import { createSecretBox } from '../operators/operators.crypto.js';
import { createMaster } from './secrets.keyring.js';

const by = { actorType: 'cli' as const, actorId: 'test' };

describe('desk secrets: the rules of rotate and prune', () => {
  let t: TestServer;
  const clock = fixedClock(new Date());
  beforeAll(async () => {
    t = await buildTestServer({ clock, env: { SECRETS_RELOAD_SECONDS: '1', SESSION_HOURS: '12' } });
  });
  afterAll(() => t.close());

  it('keeps a retired JWT key until SESSION_HOURS have passed, then prunes it without --force', async () => {
    const { secrets, keyring } = t.desk.services;
    const rotated = await secrets.rotate('jwt', by);
    expect((await keyring.jwtSigning()).kid).toBe(rotated.id);
    expect(await keyring.jwtKey('test1')).toBeDefined();

    clock.advance(12 * 3_600_000 - 60_000);
    expect((await secrets.prune({}, by)).pruned.filter((k) => k.startsWith('jwt/'))).toEqual([]);
    clock.advance(60_000);
    expect((await secrets.prune({}, by)).pruned).toContain('jwt/test1');
    expect(await keyring.jwtKey('test1')).toBeUndefined();
    expect(await keyring.jwtKey(rotated.id)).toBeDefined();
  });

  it('never prunes a data key while a secret is still sealed under it', async () => {
    const { secrets, keyring } = t.desk.services;
    const op = await newOperator(t);
    const rotated = await secrets.rotate('data', by);
    expect(rotated.reencrypted).toBe(1);
    // A secret sealed under the env key again (as a desk with a stale ring could have done).
    const plain = createSecretBox(t.secrets.dataEncryptionKey).seal('JBSWY3DPEHPK3PXP', op.id);
    await t.database.db
      .updateTable('operators')
      .set({ mfa_secret_enc: plain })
      .where('id', '=', op.id)
      .execute();
    const kept = await secrets.prune({ force: true }, by);
    expect(kept.pruned).not.toContain('data/env');
    expect(kept.kept.join('\n')).toMatch(/data\/env: 1 secrets are still sealed under it/);
    expect(await keyring.dataKey('env')).toBeDefined();
  });

  it('binds sealed key material to its purpose and id', () => {
    const master = createMaster(t.secrets.dataEncryptionKey);
    const sealed = master.seal('jwt', 'jwt-a', Buffer.from('secret'));
    expect(master.open('jwt', 'jwt-a', sealed).toString()).toBe('secret');
    expect(() => master.open('jwt', 'jwt-b', sealed)).toThrow(/does not open/);
    expect(() => master.open('data', 'jwt-a', sealed)).toThrow(/does not open/);
  });
});
