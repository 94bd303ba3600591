import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { runDeskCommand } from '../../test/support/process.js';
import { sealAll } from '../../test/support/audit.js';
import { testSecrets } from '../../test/support/server.js';
import { systemClock } from '../shared/clock.js';
import { withTransaction } from '../shared/db.js';
import { createAuditService, type AuditService } from '../audit/audit.service.js';

describe('desk audit export | verify | seal', () => {
  let t: TestDatabase;
  let dir: string;
  let env: Record<string, string>;
  let audit: AuditService;
  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-audit-cli-'));
    const signingKeyPem = testSecrets().auditSigningKeyPem;
    env = { DATABASE_URL: t.url, DESK_DATA_DIR: dir, LOG_LEVEL: 'warn', AUDIT_SIGNING_KEY: signingKeyPem };
    audit = createAuditService({ db: t.db, clock: systemClock, signingKeyPem });
    for (let i = 0; i < 20; i++) {
      await withTransaction(t.db, (tx) =>
        audit.record(tx, {
          actorType: 'operator',
          actorId: `op-${i % 3}`,
          action: i % 2 ? 'test.cli.even' : 'test.cli.odd',
          entityType: 'trade',
          entityId: String(i),
        }),
      );
    }
    // Sealed here, with the key the CLI will use: the CLI's own seal could be held back by a
    // transaction open in another test file (the horizon is cluster-wide).
    await sealAll(t.db, audit);
  });
  afterAll(async () => {
    await t.drop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('exports a filtered CSV that verifies, pinned to the desk key, and rejects it once edited', async () => {
    const sealed = await runDeskCommand(['audit', 'seal'], env);
    expect(sealed.code, sealed.output).toBe(0);
    const keyId = /signing key ([0-9a-f]{16})/.exec(sealed.output)?.[1] ?? '';
    expect(keyId).toBe(audit.keyId);

    const file = path.join(dir, 'odd.csv');
    const exported = await runDeskCommand(
      ['audit', 'export', '--format', 'csv', '--out', file, '--action', 'test.cli.odd'],
      env,
    );
    expect(exported.code, exported.output).toBe(0);

    const ok = await runDeskCommand(['audit', 'verify', file, '--key-id', keyId], env);
    expect(ok.code, ok.output).toBe(0);
    expect(ok.output).toMatch(/^OK .*chain seq 1–\d+ intact/m);
    expect(ok.output).toMatch(/10 events/);

    const wrongKey = await runDeskCommand(['audit', 'verify', file, '--key-id', '0123456789abcdef'], env);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.output).toMatch(/not one of the trusted keys/);

    const text = await fs.readFile(file, 'utf8');
    await fs.writeFile(file, text.replace('"op-1","test.cli.odd"', '"op-2","test.cli.odd"'));
    const bad = await runDeskCommand(['audit', 'verify', file], env);
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/^FAILED .*seq \d+, event id \d+\): seq \d+ \(event id \d+\) was changed/m);

    // A crafted export (here its name) cannot repaint the FAILED line: control characters come out escaped.
    const crafted = path.join(dir, 'x\r\u001b[2KOK all intact\u202e.jsonl');
    await fs.writeFile(crafted, 'not an export\n');
    const painted = await runDeskCommand(['audit', 'verify', crafted], env);
    expect(painted.code).toBe(1);
    // eslint-disable-next-line no-control-regex -- the escape character is what must not come out
    expect(painted.output).not.toMatch(/[\r\u001b\u202e]/);
    expect(painted.output).toContain('x\\u{d}\\u{1b}[2KOK all intact\\u{202e}.jsonl');

    const missing = await runDeskCommand(['audit', 'verify', path.join(dir, 'nope.jsonl')], env);
    expect(missing.code).toBe(2);
    expect(missing.output).toMatch(/no such file/);
  }, 60_000);
});
