import type { Executor } from '../shared/db.js';
import type { AuditEventsTable } from './audit.tables.js';

/** Who did something, and where the request came from. HTTP routes build it from the request. */
export interface AuditContext {
  actorType: AuditEventsTable['actor_type'];
  actorId?: string | null;
  requestId?: string | null;
  ip?: string | null;
}

export interface AuditEvent extends AuditContext {
  action: string;
  entityType?: string | null;
  entityId?: string | null;
  data?: Record<string, unknown>;
}

export interface AuditService {
  /** Appends an event inside the caller's transaction, so it commits with the change it describes. */
  record(tx: Executor, event: AuditEvent): Promise<void>;
}

export function createAuditService(): AuditService {
  return {
    async record(tx, e) {
      await tx
        .insertInto('audit_events')
        .values({
          actor_type: e.actorType,
          actor_id: e.actorId ?? null,
          action: e.action,
          entity_type: e.entityType ?? null,
          entity_id: e.entityId ?? null,
          request_id: e.requestId ?? null,
          ip: e.ip ?? null,
          data: JSON.stringify(e.data ?? {}),
        })
        .execute();
    },
  };
}
