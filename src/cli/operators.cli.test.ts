import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstAuditEvent, pick } from '../../test/support/audit.js';
import { runDeskCli } from '../../test/support/cli.js';
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

describe('desk operators', () => {
  it('add validates the email as the API does', async () => {
    for (const email of ['a\u001b[31m@desk.test', 'two@@desk.test', 'dots@desk..test']) {
      const res = await desk(
        ['operators', 'add', '--email', email, '--name', 'Bad', '--role', 'auditor', '--password-stdin'],
        'a long enough passphrase\n',
      );
      expect([email, res.code]).toEqual([email, 1]);
      expect(res.stderr).toMatch(/email/);
    }
  });

  it('add prints the new id; --json prints {"id": …}; list shows them; a duplicate fails in one line', async () => {
    const added = await desk(
      [
        'operators',
        'add',
        '--email',
        'cli@desk.test',
        '--name',
        'Cli Person',
        '--role',
        'ops_approver',
        '--role',
        'risk_officer',
        '--password-stdin',
      ],
      'a long enough passphrase\n',
    );
    expect(added).toMatchObject({ code: 0, stderr: '' });
    const id = added.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const json = await desk(
      [
        'operators',
        'add',
        '--email',
        'json@desk.test',
        '--name',
        'Json',
        '--role',
        'auditor',
        '--password-stdin',
        '--json',
      ],
      'another long passphrase',
    );
    expect(json.code).toBe(0);
    expect(Object.keys(JSON.parse(json.stdout) as object)).toEqual(['id']);

    const list = await desk(['operators', 'list', '--json']);
    const operators = JSON.parse(list.stdout) as { id: string; email: string; roles: string[] }[];
    expect(operators.map((o) => [o.email, o.roles])).toEqual([
      ['cli@desk.test', ['ops_approver', 'risk_officer']],
      ['json@desk.test', ['auditor']],
    ]);
    expect(list.stdout).not.toMatch(/hash|secret|password/i);

    const duplicate = await desk(
      [
        'operators',
        'add',
        '--email',
        'CLI@desk.test',
        '--name',
        'Again',
        '--role',
        'auditor',
        '--password-stdin',
      ],
      'a long enough passphrase',
    );
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toBe('desk: An operator with email cli@desk.test already exists.\n');

    const event = await firstAuditEvent(database, { entityId: id });
    expect(pick(event, ['actorType', 'action'])).toEqual({ actorType: 'cli', action: 'operator.created' });
  });

  it('refuses a missing --password-stdin and a weak password, exit code 1', async () => {
    const noStdin = await desk([
      'operators',
      'add',
      '--email',
      'x@desk.test',
      '--name',
      'X',
      '--role',
      'auditor',
    ]);
    expect(noStdin.code).toBe(1);
    expect(noStdin.stderr).toContain('--password-stdin');
    const weak = await desk(
      ['operators', 'add', '--email', 'x@desk.test', '--name', 'X', '--role', 'auditor', '--password-stdin'],
      'short',
    );
    expect(weak.code).toBe(1);
    expect(weak.stderr).toBe('desk: The operator is invalid: password must be at least 12 characters\n');
  });
});
