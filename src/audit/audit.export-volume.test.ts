import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { insertEvents, sealAll } from '../../test/support/audit.js';
import { testSecrets } from '../../test/support/server.js';
import { systemClock } from '../shared/clock.js';
import { createAuditService, type AuditService } from './audit.service.js';
import { verifyExport } from './audit.verify.js';

const COUNT = 200_000;

describe(`export of ${COUNT.toLocaleString('en')} events`, () => {
  let t: TestDatabase;
  let audit: AuditService;
  let dir: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    audit = createAuditService({
      db: t.db,
      clock: systemClock,
      signingKeyPem: testSecrets().auditSigningKeyPem,
    });
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'desk-audit-export-'));
    await insertEvents(t.db, COUNT, { action: 'test.bulk' });
    await sealAll(t.db, audit, 120_000);
  }, 180_000);
  afterAll(async () => {
    await t.drop();
    await fs.promises.rm(dir, { recursive: true, force: true });
  });

  it.each(['jsonl', 'csv'] as const)(
    'streams a %s file that verifies',
    async (format) => {
      const file = path.join(dir, `audit.${format}`);
      const exported = await audit.export(
        format,
        { action: 'test.bulk' },
        { actorType: 'system', actorId: 'test' },
      );
      await pipeline(Readable.from(exported.chunks, { objectMode: false }), fs.createWriteStream(file));
      const result = await verifyExport(fs.createReadStream(file));
      expect(result).toMatchObject({ ok: true, summary: { format, events: COUNT, fromSeq: '1' } });
      // Only this test's own export events (recorded and sealed by export) can be outside the filter.
      if (result.ok) expect(result.summary.skeletons).toBeLessThanOrEqual(2);
    },
    120_000,
  );
});
