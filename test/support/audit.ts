import { sql } from 'kysely';
import type { AuditService } from '../../src/audit/audit.service.js';
import type { AuditFilter } from '../../src/audit/audit.filter.js';
import type { ExportFormatName } from '../../src/audit/audit.format.js';
import { verifyExport, type VerifyOptions, type VerifyResult } from '../../src/audit/audit.verify.js';
import type { Db } from '../../src/shared/db.js';

/**
 * Seals until every committed event is chained. One seal is not always enough in tests: the horizon
 * is cluster-wide, so a transaction open in another test file's database holds sealing back until it ends.
 */
export async function sealAll(db: Db, audit: AuditService, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await audit.seal();
    const { rows } = await sql<{
      n: string;
    }>`select count(*) as n from audit_events e where not exists (select 1 from audit_chain c where c.event_id = e.id)`.execute(
      db,
    );
    if (rows[0]?.n === '0') return;
    if (Date.now() > deadline) throw new Error(`${rows[0]?.n} events still unsealed after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Inserts `count` events in one statement (fast fixtures for volume tests). */
export async function insertEvents(
  db: Db,
  count: number,
  opts: { action?: string; actorId?: string } = {},
): Promise<void> {
  const action = opts.action ?? 'test.bulk';
  const actor = opts.actorId ?? 'bulk-writer';
  await sql`
    insert into audit_events (actor_type, actor_id, action, entity_type, entity_id, request_id, ip, data)
    select 'system', ${actor}, ${action}, 'thing', g::text, 'req-' || g, '10.0.0.1',
           jsonb_build_object('n', g, 'note', 'row "' || g || '", with comma')
    from generate_series(1, ${count}::int) g`.execute(db);
}

/** A whole export as one string: for small test exports only. */
export async function exportText(
  audit: AuditService,
  format: ExportFormatName,
  filter: AuditFilter = {},
): Promise<string> {
  const file = await audit.export(format, filter, { actorType: 'system', actorId: 'test' });
  let text = '';
  for await (const chunk of file.chunks) text += chunk;
  return text;
}

export function verifyText(text: string, opts?: VerifyOptions): Promise<VerifyResult> {
  return verifyExport([Buffer.from(text)], opts);
}
