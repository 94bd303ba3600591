import type { Clock } from '../shared/clock.js';
import { withTransaction, type Db, type Tx } from '../shared/db.js';
import { createSigner, type Signer } from './audit.chain.js';
import { describeFilter, type AuditFilter } from './audit.filter.js';
import { exportChunks, planExport, type ExportPlan } from './audit.export.js';
import { CONTENT_TYPES, type ExportFormatName } from './audit.format.js';
import { searchAuditEvents, type AuditPage, type AuditSearchQuery } from './audit.search.js';
import { createSealer, type SealResult } from './audit.sealer.js';
import type { AuditContext } from '../shared/request-context.js';

export interface AuditEvent extends AuditContext {
  action: string;
  entityType?: string | null;
  entityId?: string | null;
  data?: Record<string, unknown>;
}

export interface AuditExport {
  plan: ExportPlan;
  contentType: string;
  /** The file as text chunks, produced as they are pulled: pipe it, never collect it. */
  chunks: AsyncGenerator<string>;
}

export interface AuditService {
  /**
   * Appends an event inside the caller's transaction, so it commits with the change it describes. A
   * transaction, not any executor: an event recorded on the pool would commit even if the change rolled back.
   */
  record(tx: Tx, event: AuditEvent): Promise<void>;
  /** Identifies the env checkpoint signing key (sha256 of its public key, 16 hex); null for a bare recorder. */
  readonly keyId: string | null;
  /** The key id checkpoints are signed with now (after a rotation, the ring's newest audit key). */
  currentKeyId(): Promise<string>;
  /** Chains the events committed so far and signs a checkpoint (the `audit_seal` job runs it). */
  seal(): Promise<SealResult>;
  search(query: AuditSearchQuery): Promise<AuditPage>;
  /** Records who exported, seals, then streams a file `verifyExport` can check on its own. */
  export(format: ExportFormatName, filter: AuditFilter, by: AuditContext): Promise<AuditExport>;
}

export interface AuditServiceDeps {
  db: Db;
  clock: Clock;
  /** Ed25519 PKCS#8 PEM (secrets.auditSigningKeyPem): the key when no `signer` is given. */
  signingKeyPem: string;
  /** The key ring's current checkpoint signer (src/secrets), asked at every seal and export. */
  signer?: () => Promise<Signer>;
  batchSize?: number;
}

/**
 * With no deps this is a recorder only (enough for a domain service under test); sealing, search
 * and export need the database and the signing key, which the composition root supplies.
 */
export function createAuditService(deps?: AuditServiceDeps): AuditService {
  const record: AuditService['record'] = async (tx, e) => {
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
  };
  const missing = (): never => {
    throw new Error(
      'this audit service was created without { db, clock, signingKeyPem }: use the one from compose()',
    );
  };
  if (!deps)
    return { record, keyId: null, currentKeyId: missing, seal: missing, search: missing, export: missing };

  const envSigner: Signer = createSigner(deps.signingKeyPem);
  const signer = deps.signer ?? (() => Promise.resolve(envSigner));
  const sealer = createSealer({ db: deps.db, signer, clock: deps.clock, batchSize: deps.batchSize });
  return {
    record,
    keyId: envSigner.keyId,
    currentKeyId: async () => (await signer()).keyId,
    seal: sealer.seal,
    search: (query) => searchAuditEvents(deps.db, query),
    async export(format, filter, by) {
      await withTransaction(deps.db, (tx) =>
        record(tx, { ...by, action: 'audit.exported', data: { format, filter: describeFilter(filter) } }),
      );
      await sealer.seal();
      const plan = await planExport(deps.db, filter);
      return {
        plan,
        contentType: CONTENT_TYPES[format],
        chunks: exportChunks(
          { db: deps.db, signer: await signer(), clock: deps.clock, batchSize: deps.batchSize },
          plan,
          format,
        ),
      };
    },
  };
}
