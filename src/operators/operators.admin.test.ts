import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstAuditEvent, pick } from '../../test/support/audit.js';
import { AppError } from '../shared/errors.js';
import { newOperator, signedInOperator } from '../../test/support/factories.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import type { Role } from '../shared/roles.js';

let t: TestServer;
beforeAll(async () => {
  t = await buildTestServer();
});
afterAll(() => t.close());

describe('GET /api/operators', () => {
  it.each<[Role, number]>([
    ['platform_admin', 200],
    ['auditor', 200],
    ['ops_approver', 403],
    ['risk_officer', 403],
  ])('%s → %i', async (role, status) => {
    const { bearer } = await signedInOperator(t, { roles: [role] });
    const res = await t.app.inject({ method: 'GET', url: '/api/operators', headers: bearer });
    expect(res.statusCode).toBe(status);
    if (status === 403) expect(res.json()).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('lists exactly the public fields of each operator', async () => {
    const pending = await newOperator(t, {
      roles: ['risk_officer', 'ops_approver'],
      mfa: false,
      name: 'Pending Person',
    });
    const { bearer } = await signedInOperator(t, { roles: ['auditor'] });
    const res = await t.app.inject({ method: 'GET', url: '/api/operators', headers: bearer });
    const listed = res.json<{ operators: Record<string, unknown>[] }>().operators;
    const row = listed.find((o) => o.id === pending.id);
    expect(row).toEqual({
      id: pending.id,
      email: pending.email,
      name: 'Pending Person',
      roles: ['risk_officer', 'ops_approver'],
      status: 'active',
      mfaEnrolled: false,
      telegramLinked: false,
      invitation: 'accepted', // the factory accepts its invitation as the person would
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    });
    expect(listed.every((o) => Object.keys(o).length === 9)).toBe(true);
    expect(res.body).not.toMatch(/argon2|password|secret/i);
  });

  it('needs a session', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/operators' })).json()).toMatchObject({
      status: 401,
      code: 'UNAUTHENTICATED',
    });
  });
});

describe('createOperator (the CLI path)', () => {
  it('creates an operator audited with actor type cli, and refuses a duplicate email', async () => {
    const { operators } = t.desk.services;
    const created = await operators.createOperator(
      {
        email: 'Cli.Made@desk.test',
        name: 'Cli Made',
        roles: ['ops_approver', 'ops_approver'],
      },
      { actorType: 'cli', actorId: 'root' },
    );
    expect(created.operator).toMatchObject({
      email: 'cli.made@desk.test',
      roles: ['ops_approver'],
      mfaEnrolled: false,
    });

    const event = await firstAuditEvent(t, { entityId: created.operator.id });
    expect(pick(event, ['action', 'actorType', 'actorId', 'data'])).toEqual({
      action: 'operator.created',
      actorType: 'cli',
      actorId: 'root',
      data: { email: 'cli.made@desk.test', name: 'Cli Made', roles: ['ops_approver'] },
    });

    const duplicate = operators.createOperator(
      {
        email: 'CLI.MADE@desk.test',
        name: 'Again',
        roles: ['auditor'],
      },
      { actorType: 'cli' },
    );
    await expect(duplicate).rejects.toBeInstanceOf(AppError);
    await expect(duplicate).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
      detail: 'An operator with email cli.made@desk.test already exists.',
    });
  });

  it('validates roles and email with per-field errors', async () => {
    const attempt = t.desk.services.operators.createOperator(
      { email: 'nope', name: 'X', roles: ['root'] },
      { actorType: 'cli' },
    );
    await expect(attempt).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ path: 'email' }, { path: 'roles' }],
    });
  });
});
