import { sql } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../shared/clock.js';
import type { Db } from '../shared/db.js';

/**
 * `desk_audit_unsealed_seconds`: while events wait to be chained or covered by a checkpoint, the age
 * of the newest checkpoint (since the oldest event when there is none yet); 0 when nothing waits.
 * Four index lookups (newest checkpoint, chain head, newest chained event, newest event), whatever the
 * size of the trail.
 */
export function createAuditMetrics(registry: Registry, db: Db, clock: Clock): void {
  new Gauge({
    name: 'desk_audit_unsealed_seconds',
    help: 'Age of the newest audit checkpoint while events wait to be sealed (0 when none wait)',
    registers: [registry],
    async collect() {
      const { rows } = await sql<{
        checkpoint_at: Date | null;
        checkpoint_seq: string | null;
        chain_seq: string | null;
        chained_event: string | null;
        last_event: string | null;
        first_event_at: Date | null;
      }>`select
          (select created_at from audit_checkpoints order by seq desc limit 1) as checkpoint_at,
          (select seq from audit_checkpoints order by seq desc limit 1)::text as checkpoint_seq,
          (select max(seq) from audit_chain)::text as chain_seq,
          (select max(event_id) from audit_chain)::text as chained_event,
          (select max(id) from audit_events)::text as last_event,
          (select occurred_at from audit_events order by id limit 1) as first_event_at`.execute(db);
      const r = rows[0];
      if (!r?.last_event) return this.set(0);
      const waiting =
        BigInt(r.last_event) > BigInt(r.chained_event ?? '0') ||
        BigInt(r.chain_seq ?? '0') > BigInt(r.checkpoint_seq ?? '0');
      const since = r.checkpoint_at ?? r.first_event_at;
      this.set(waiting && since ? Math.max(0, (clock.now().getTime() - since.getTime()) / 1000) : 0);
    },
  });
}
