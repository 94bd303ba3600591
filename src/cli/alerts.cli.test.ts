import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDeskCli } from '../../test/support/cli.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { coSigned, deskPeople } from '../../test/support/settlement.js';
import { person } from '../../test/support/approvals.js';

/** The real `desk` binary: the rules as a Prometheus rules file, with the stored thresholds or the defaults. */
let database: TestDatabase;
let t: TestServer;
beforeAll(async () => {
  database = await createTestDatabase();
  t = await buildTestServer({ database, prepare: true });
});
afterAll(async () => {
  await t.close();
  await database.drop();
});

const desk = (args: string[]) =>
  runDeskCli(args, { DATABASE_URL: database.url, DESK_DATA_DIR: '/nonexistent-test-dir' });

describe('desk alerts export', () => {
  it('--defaults prints deploy/prometheus/rules.yml; without it, the thresholds a co-signed alert.rule stored', async () => {
    const committed = fs.readFileSync(
      path.resolve(import.meta.dirname, '../../deploy/prometheus/rules.yml'),
      'utf8',
    );
    const defaults = await desk(['alerts', 'export', '--format', 'prometheus', '--defaults']);
    expect(defaults).toMatchObject({ code: 0, stdout: committed });

    const p = await deskPeople(t);
    await coSigned(t, p, 'alert.rule', { name: 'notifications_backlog', threshold: '500', forSeconds: 900 }, [
      p.ops,
      p.risk,
      await person(t, ['platform_admin']),
    ]);
    const stored = await desk(['alerts', 'export', '--format', 'prometheus']);
    expect(stored.code).toBe(0);
    expect(stored.stdout).toContain('expr: "sum(desk_notifications_queued) > 500"\n        for: 15m');
    expect(stored.stdout).not.toContain('desk_notifications_queued) > 200');
  });

  it('refuses another format', async () => {
    const r = await desk(['alerts', 'export', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--format must be prometheus');
  });
});
