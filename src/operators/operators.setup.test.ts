import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTrail } from '../../test/support/audit.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { sha256Hex } from './operators.crypto.js';

describe('first-run setup', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await buildTestServer({ env: { PUBLIC_URL: 'https://desk.example.com/' } });
  });
  afterAll(() => t.close());

  const setup = (payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/api/setup', payload });
  const admin = { email: 'Admin@Desk.Example', name: 'First Admin', password: 'a long enough passphrase' };

  it('prints a one-time URL with a random token, storing only its hash', async () => {
    const url = await t.desk.services.operators.ensureSetupToken();
    expect(url).toMatch(/^https:\/\/desk\.example\.com\/setup\?token=[A-Za-z0-9_-]{43}$/);
    const token = new URL(url!).searchParams.get('token')!;
    const rows = await t.database.db.selectFrom('setup_tokens').selectAll().execute();
    expect(rows.map((r) => r.token_hash)).toEqual([sha256Hex(token)]);
  });

  it('refuses a token it did not issue, a weak password and unknown fields, without spending the token', async () => {
    const url = await t.desk.services.operators.ensureSetupToken();
    const token = new URL(url!).searchParams.get('token')!;
    expect((await setup({ ...admin, token: 'made-up' })).json()).toMatchObject({
      status: 401,
      code: 'INVALID_CREDENTIALS',
    });
    const weak = await setup({ ...admin, token, password: 'too short' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'password', message: 'must be at least 12 characters' }],
    });
    expect((await setup({ ...admin, token, roles: ['auditor'] })).json()).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect(
      await t.database.db
        .selectFrom('setup_tokens')
        .select('token_hash')
        .where('used_at', 'is not', null)
        .execute(),
    ).toEqual([]);
  });

  it('creates the first platform_admin once; the token cannot be used again', async () => {
    const url = await t.desk.services.operators.ensureSetupToken();
    const token = new URL(url!).searchParams.get('token')!;
    const res = await setup({ ...admin, token });
    expect(res.statusCode).toBe(201);
    const { operator } = res.json<{ operator: { id: string } }>();
    expect(operator).toMatchObject({
      email: 'admin@desk.example',
      name: 'First Admin',
      roles: ['platform_admin'],
      mfaEnrolled: false,
    });
    expect(res.body).not.toContain(admin.password);

    const again = await setup({ ...admin, email: 'second@desk.example', token });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'SETUP_ALREADY_DONE' });
    expect(await t.desk.services.operators.ensureSetupToken()).toBeNull();
    expect(
      await t.database.db
        .selectFrom('setup_tokens')
        .select('token_hash')
        .where('used_at', 'is', null)
        .execute(),
    ).toEqual([]);

    const events = await auditTrail(t, { entityId: operator.id, fields: ['action', 'data'] });
    expect(events.map((e) => e.action)).toEqual(['operator.created', 'setup.completed']);
    expect(JSON.stringify(events)).not.toContain(admin.password);

    // The new admin signs in to an enrolment-only session.
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: admin.email, password: admin.password },
    });
    expect(login.json()).toMatchObject({ mfaVerified: false, operator: { id: operator.id } });
  });
});

describe('SETUP_TOKEN and the URL without PUBLIC_URL', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await buildTestServer({
      env: { SETUP_TOKEN: 'configured-setup-token', HOST: '0.0.0.0', PORT: '9191' },
    });
  });
  afterAll(() => t.close());

  it('reuses the configured token and builds the URL from HOST and PORT', async () => {
    expect(await t.desk.services.operators.ensureSetupToken()).toBe(
      'http://127.0.0.1:9191/setup?token=configured-setup-token',
    );
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/setup',
      payload: {
        token: 'configured-setup-token',
        email: 'a@desk.example',
        name: 'A',
        password: 'a long enough passphrase',
      },
    });
    expect(res.statusCode).toBe(201);
  });
});
