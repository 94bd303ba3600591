import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstAuditEvent, pick } from '../../test/support/audit.js';
import { runDeskCli } from '../../test/support/cli.js';
import { notificationsFor } from '../../test/support/notifications.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';

/** The real `desk` binary against a test database: argument parsing, stdin, stdout and exit codes. */
let database: TestDatabase;
let dataDir: string;
beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-cli-'));
});
afterAll(async () => {
  await database.drop();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const desk = (args: string[], stdin = '') =>
  runDeskCli(args, { DATABASE_URL: database.url, DESK_DATA_DIR: dataDir }, stdin);

const add = (email: string, extra: string[] = []) =>
  desk(['operators', 'add', '--email', email, '--name', `Person ${email.split('@')[0]}`, ...extra]);

describe('desk operators', () => {
  it('add validates the email as the API does', async () => {
    for (const email of ['a\u001b[31m@desk.test', 'dots@desk..test']) {
      const res = await add(email, ['--role', 'auditor']);
      expect([email, res.code]).toEqual([email, 1]);
      expect(res.stderr).toMatch(/email/);
    }
  });

  it('add prints the id and a one-time invitation; --json; list; a duplicate fails in one line', async () => {
    const added = await add('cli@desk.test', ['--role', 'platform_admin', '--role', 'risk_officer']);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    const [id, invitationLine] = added.stdout.trim().split('\n');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(invitationLine).toMatch(/^invitation \(once, valid until .+Z\): http:\/\/.+\/invite\/[\w-]{20,}$/);

    const json = await add('json@desk.test', ['--role', 'auditor', '--json']);
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['id', 'invitationUrl', 'expiresAt', 'grant', 'reviewId']);
    expect(out).toMatchObject({ grant: 'bootstrap', reviewId: null });
    // INVITATION_TTL_HOURS defaults to 72
    const ttl = Date.parse(String(out.expiresAt)) - Date.now();
    expect(ttl).toBeGreaterThan(71 * 3_600_000);
    expect(ttl).toBeLessThanOrEqual(72 * 3_600_000);

    const list = await desk(['operators', 'list', '--json']);
    const operators = JSON.parse(list.stdout) as { id: string; email: string; roles: string[] }[];
    expect(operators.map((o) => [o.email, o.roles])).toEqual([
      ['cli@desk.test', ['platform_admin', 'risk_officer']],
      ['json@desk.test', ['auditor']],
    ]);
    // Where each invitation stands (pending/accepted) is listed; no link, token or hash ever is.
    expect(list.stdout).not.toMatch(/hash|secret|password|token|\/invite\//i);
    expect(operators.map((o) => (o as { invitation?: string }).invitation)).toEqual(['pending', 'pending']);

    const duplicate = await add('CLI@desk.test', ['--role', 'auditor']);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toBe('desk: An operator with email cli@desk.test already exists.\n');

    const event = await firstAuditEvent(database, { entityId: id, action: 'operator.bootstrap_grant' });
    expect(pick(event, ['actorType', 'action'])).toEqual({
      actorType: 'cli',
      action: 'operator.bootstrap_grant',
    });
    expect(event.data).toMatchObject({ roles: ['platform_admin', 'risk_officer'] });
  }, 240_000);

  it('never takes a password: --password-stdin is refused', async () => {
    const refused = await desk(
      [
        'operators',
        'add',
        '--email',
        'pw@desk.test',
        '--name',
        'Pw',
        '--role',
        'auditor',
        '--password-stdin',
      ],
      'a long enough passphrase',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('operators set their own password');
    const list = JSON.parse((await desk(['operators', 'list', '--json'])).stdout) as { email: string }[];
    expect(list.map((o) => o.email)).not.toContain('pw@desk.test');
  }, 240_000);

  it('after the bootstrap, --role needs --break-glass --reason: audited, told to admins, reviewed', async () => {
    expect((await desk(['bootstrap', 'status'])).stdout).toContain('bootstrap: active');
    const ended = await desk(['bootstrap', 'end', '--reason', 'Founding team is complete']);
    expect(ended).toMatchObject({ code: 0, stdout: 'bootstrap: over\n' });
    expect((await desk(['bootstrap', 'status'])).stdout).toContain('ended: Founding team is complete');

    const direct = await add('late@desk.test', ['--role', 'ops_approver']);
    expect(direct.code).toBe(1);
    expect(direct.stderr).toContain('The bootstrap is over');
    // without a role it still works: the grant comes later, co-signed
    const plain = await add('plain@desk.test', ['--json']);
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.stdout)).toMatchObject({ grant: 'none', reviewId: null });

    const noReason = await add('late@desk.test', ['--role', 'ops_approver', '--break-glass']);
    expect(noReason.code).toBe(1);
    expect(noReason.stderr).toContain('--break-glass needs --reason');
    const shortReason = await add('late@desk.test', [
      '--role',
      'ops_approver',
      '--break-glass',
      '--reason',
      'x',
    ]);
    expect(shortReason.code).toBe(1);
    expect(shortReason.stderr).toContain('break-glass grant needs a reason');

    const reason = 'Both approvers are ill, settlement queue is stuck';
    const glass = await add('late@desk.test', [
      '--role',
      'ops_approver',
      '--break-glass',
      '--reason',
      reason,
      '--json',
    ]);
    expect(glass.code).toBe(0);
    const res = JSON.parse(glass.stdout) as { id: string; grant: string; reviewId: string };
    expect(res.grant).toBe('break-glass');
    expect(res.reviewId).toMatch(/^[0-9a-f-]{36}$/);

    const audit = await firstAuditEvent(database, { entityId: res.id, action: 'operator.break_glass_grant' });
    expect(audit).toMatchObject({ actorType: 'cli', data: { roles: ['ops_approver'], reason } });
    await firstAuditEvent(database, { entityId: res.reviewId, action: 'operator.grant_review_opened' });
    const list = JSON.parse((await desk(['operators', 'list', '--json'])).stdout) as {
      id: string;
      email: string;
      roles: string[];
    }[];
    const admins = list.filter((o) => o.roles.includes('platform_admin')).map((o) => o.id);
    const told = await notificationsFor(database, { template: 'operator.break_glass_grant' });
    expect(told.map((n) => n.recipientId).sort()).toEqual(admins.sort());
    expect(told[0]?.data).toMatchObject({ reason, roles: ['ops_approver'], reviewId: res.reviewId });
  }, 240_000);
});
