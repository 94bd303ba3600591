import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import { createSigner, keyIdOf } from '../audit/audit.chain.js';
import type { Secrets } from '../config.js';
import type { Clock } from '../shared/clock.js';
import { withTransaction, type Db, type Tx } from '../shared/db.js';
import { AppError } from '../shared/errors.js';
import { ENV_DATA_KEY_ID } from '../shared/keyring.js';
import type { AuditContext } from '../shared/request-context.js';
import {
  createMaster,
  ENV_TELEGRAM_ID,
  newRingKeyId,
  sealTelegram,
  type RingKeyring,
} from './secrets.keyring.js';
import type { KeyPurpose } from './secrets.tables.js';

/**
 * `desk secrets rotate|prune|status`. A rotation adds the new key to `secret_keys` and retires the
 * one signing so far in one transaction with its audit event; every desk process picks it up from the
 * ring (see secrets.keyring.ts) without a restart. Old keys keep verifying until pruned.
 */
export interface SecretKeyView {
  purpose: KeyPurpose;
  id: string;
  source: 'ring' | 'env';
  state: 'current' | 'retired' | 'pruned';
  createdAt: string | null;
  retiredAt: string | null;
  prunedAt: string | null;
  /** jwt: when `desk secrets prune` will drop it without --force. data: secrets still under it. */
  prunableAt?: string | null;
  secretsUnder?: number;
}

export interface RotateResult {
  purpose: KeyPurpose;
  id: string;
  retired: string[];
  /** data: how many TOTP secrets were re-sealed under the new key. */
  reencrypted?: number;
}

/** The operators' TOTP re-sealing (src/operators/operators.rekey.ts), injected to keep the domains apart. */
export interface DataRekey {
  batch(limit: number): Promise<number>;
  countByKey(): Promise<Record<string, number>>;
}

export interface SecretsServiceDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  secrets: Secrets;
  keyring: RingKeyring;
  rekey: DataRekey;
  /** The longest a token lives (refresh tokens last the session): a retired JWT key verifies that long. */
  maxTokenSeconds: number;
  /** Whether TELEGRAM_BOT_TOKEN is set (the env token becomes a tombstone on the first telegram rotation). */
  telegramEnv: boolean;
  /** Waits between the two re-encryption passes (tests pass a no-op). */
  sleep?: (ms: number) => Promise<void>;
}

const ROTATE_LOCK = 7_345_015;
/** How long a retired webhook secret is still accepted: Telegram and every desk switch well within it. */
export const TELEGRAM_GRACE_SECONDS = 600;

/** A new bot token, checked with Telegram (getMe) by the caller, and the webhook secret made for it. */
export interface NewTelegramKey {
  token: string;
  webhookSecret: string;
  bot: string;
}
const REKEY_BATCH = 100;

export function createSecretsService(deps: SecretsServiceDeps) {
  const { db, clock, audit } = deps;
  const master = createMaster(deps.secrets.dataEncryptionKey);
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const envIds = (purpose: KeyPurpose): string[] =>
    purpose === 'jwt'
      ? deps.secrets.jwtKeys.map((k) => k.kid)
      : purpose === 'audit'
        ? [createSigner(deps.secrets.auditSigningKeyPem).keyId]
        : purpose === 'data'
          ? [ENV_DATA_KEY_ID]
          : deps.telegramEnv
            ? [ENV_TELEGRAM_ID]
            : [];

  function material(
    purpose: KeyPurpose,
    telegram?: NewTelegramKey,
  ): { secret: Buffer; publicKey: string | null } {
    if (purpose === 'telegram') {
      if (!telegram) throw new AppError('VALIDATION_FAILED', 'a telegram rotation needs the new bot token');
      return { secret: sealTelegram(telegram), publicKey: null };
    }
    if (purpose !== 'audit') return { secret: randomBytes(32), publicKey: null };
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    return { secret: Buffer.from(pem), publicKey: createSigner(pem).publicKey };
  }

  async function rotateKey(
    purpose: KeyPurpose,
    by: AuditContext,
    telegram?: NewTelegramKey,
  ): Promise<RotateResult> {
    return withTransaction(db, async (tx) => {
      await sql`select pg_advisory_xact_lock(${ROTATE_LOCK})`.execute(tx);
      const now = clock.now();
      const { secret, publicKey } = material(purpose, telegram);
      // An audit key is named as checkpoints name it: sha256 of its public key, 16 hex.
      const id = publicKey ? keyIdOf(publicKey) : newRingKeyId(purpose, now);
      // The env keys become tombstones: retired now, pruned later like any other key.
      if (envIds(purpose).length > 0)
        await tx
          .insertInto('secret_keys')
          .values(
            envIds(purpose).map((envId) => ({ purpose, id: envId, source: 'env' as const, retired_at: now })),
          )
          .onConflict((oc) => oc.columns(['purpose', 'id']).doNothing())
          .execute();
      const retired = await tx
        .updateTable('secret_keys')
        .set({ retired_at: now })
        .where('purpose', '=', purpose)
        .where('source', '=', 'ring')
        .where('retired_at', 'is', null)
        .returning('id')
        .execute();
      await tx
        .insertInto('secret_keys')
        .values({
          purpose,
          id,
          source: 'ring',
          sealed: master.seal(purpose, id, secret),
          public_key: publicKey,
          created_at: now,
        })
        .execute();
      const previous = retired.length > 0 ? retired.map((r) => r.id) : envIds(purpose).slice(0, 1);
      await audit.record(tx, {
        ...by,
        action: 'secrets.rotated',
        entityType: 'secret_key',
        entityId: `${purpose}/${id}`,
        data: {
          purpose,
          keyId: id,
          previous,
          ...(publicKey ? { publicKey } : {}),
          ...(telegram ? { bot: telegram.bot } : {}),
        },
      });
      return { purpose, id, retired: previous };
    });
  }

  /** Two passes: the second after every desk's ring cache expired, for secrets sealed meanwhile under the old key. */
  async function reencryptAll(by: AuditContext, newId: string): Promise<number> {
    let moved = 0;
    for (let pass = 0; pass < 2; pass++) {
      if (pass === 1) await sleep(deps.keyring.ttlMs + 1_000);
      for (let n = await deps.rekey.batch(REKEY_BATCH); n > 0; n = await deps.rekey.batch(REKEY_BATCH))
        moved += n;
    }
    await withTransaction(db, (tx) =>
      audit.record(tx, {
        ...by,
        action: 'secrets.data_reencrypted',
        entityType: 'secret_key',
        entityId: `data/${newId}`,
        data: { keyId: newId, secrets: moved, remaining: 0 },
      }),
    );
    return moved;
  }

  async function status(): Promise<SecretKeyView[]> {
    const rows = await db
      .selectFrom('secret_keys')
      .selectAll()
      .orderBy('purpose')
      .orderBy('created_at')
      .execute();
    const counts = await deps.rekey.countByKey();
    const views: SecretKeyView[] = [];
    for (const purpose of ['jwt', 'audit', 'data', 'telegram'] as const) {
      const mine = rows.filter((r) => r.purpose === purpose);
      const known = new Set(mine.map((r) => r.id));
      const current = mine.filter((r) => r.source === 'ring' && !r.retired_at && !r.pruned_at).at(-1);
      const env = envIds(purpose).filter((id) => !known.has(id));
      for (const id of env)
        views.push({
          purpose,
          id,
          source: 'env',
          state: current || id !== env[0] ? 'retired' : 'current',
          createdAt: null,
          retiredAt: null,
          prunedAt: null,
        });
      for (const r of mine)
        views.push({
          purpose,
          id: r.id,
          source: r.source,
          state: r.pruned_at ? 'pruned' : r.retired_at ? 'retired' : 'current',
          createdAt: r.source === 'ring' ? r.created_at.toISOString() : null,
          retiredAt: r.retired_at?.toISOString() ?? null,
          prunedAt: r.pruned_at?.toISOString() ?? null,
        });
    }
    for (const v of views) {
      if (v.purpose === 'jwt' && v.state === 'retired')
        v.prunableAt = v.retiredAt
          ? new Date(Date.parse(v.retiredAt) + deps.maxTokenSeconds * 1000).toISOString()
          : null;
      if (v.purpose === 'telegram' && v.state === 'retired' && v.retiredAt)
        v.prunableAt = new Date(Date.parse(v.retiredAt) + TELEGRAM_GRACE_SECONDS * 1000).toISOString();
      if (v.purpose === 'data') v.secretsUnder = counts[v.id] ?? 0;
    }
    return views;
  }

  async function pruneIn(tx: Tx, force: boolean, by: AuditContext) {
    const now = clock.now();
    const counts = await deps.rekey.countByKey();
    const candidates = await tx
      .selectFrom('secret_keys')
      .selectAll()
      .where('retired_at', 'is not', null)
      .where('pruned_at', 'is', null)
      .forUpdate()
      .execute();
    const pruned: string[] = [];
    const kept: string[] = [];
    for (const k of candidates) {
      const name = `${k.purpose}/${k.id}`;
      const since = (now.getTime() - (k.retired_at?.getTime() ?? now.getTime())) / 1000;
      const wait =
        k.purpose === 'data'
          ? (counts[k.id] ?? 0) > 0 &&
            `${counts[k.id]} secrets are still sealed under it (rotate data-key again to re-encrypt them)`
          : k.purpose === 'jwt' && !force && since < deps.maxTokenSeconds
            ? `tokens it signed may live until ${new Date((k.retired_at?.getTime() ?? 0) + deps.maxTokenSeconds * 1000).toISOString()} (--force drops it now, ending those sessions)`
            : k.purpose === 'telegram' && !force && since < TELEGRAM_GRACE_SECONDS
              ? `its webhook secret is accepted until ${new Date((k.retired_at?.getTime() ?? 0) + TELEGRAM_GRACE_SECONDS * 1000).toISOString()} (--force drops it now)`
              : false;
      if (wait) {
        kept.push(`${name}: ${wait}`);
        continue;
      }
      await tx
        .updateTable('secret_keys')
        .set({ pruned_at: now, sealed: null })
        .where('purpose', '=', k.purpose)
        .where('id', '=', k.id)
        .execute();
      await audit.record(tx, {
        ...by,
        action: 'secrets.pruned',
        entityType: 'secret_key',
        entityId: name,
        data: {
          purpose: k.purpose,
          keyId: k.id,
          source: k.source,
          forced:
            force &&
            ((k.purpose === 'jwt' && since < deps.maxTokenSeconds) ||
              (k.purpose === 'telegram' && since < TELEGRAM_GRACE_SECONDS)),
        },
      });
      pruned.push(name);
    }
    return { pruned, kept };
  }

  return {
    async rotate(purpose: Exclude<KeyPurpose, 'telegram'>, by: AuditContext): Promise<RotateResult> {
      const result = await rotateKey(purpose, by);
      await deps.keyring.refresh();
      if (purpose === 'data') result.reencrypted = await reencryptAll(by, result.id);
      return result;
    },
    /**
     * Stores a new bot token and webhook secret as the current telegram key (the caller checked the
     * token with Telegram); every desk uses it within SECRETS_RELOAD_SECONDS, or at once when Telegram
     * refuses the old token. The token is never in the audit event: only the bot's name is.
     */
    async rotateTelegram(key: NewTelegramKey, by: AuditContext): Promise<RotateResult> {
      const result = await rotateKey('telegram', by, key);
      await deps.keyring.refresh();
      return result;
    },
    /** Drops retired keys that can go: JWT keys once the longest token they signed expired. */
    async prune(opts: { force?: boolean }, by: AuditContext) {
      const result = await withTransaction(db, (tx) => pruneIn(tx, opts.force === true, by));
      await deps.keyring.refresh();
      return result;
    },
    status,
  };
}

export type SecretsService = ReturnType<typeof createSecretsService>;
