import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { createSigner } from '../audit/audit.chain.js';
import type { Secrets } from '../config.js';
import type { Db } from '../shared/db.js';
import {
  ENV_DATA_KEY_ID,
  type CheckpointSigner,
  type DataKey,
  type JwtKey,
  type Keyring,
} from '../shared/keyring.js';
import type { KeyPurpose, SecretKeysTable } from './secrets.tables.js';

/**
 * The key ring a running desk uses: the keys from env/*_FILE (the originals) plus the keys made by
 * `desk secrets rotate`, kept in `secret_keys` with their material sealed under the master key
 * (HKDF of DATA_ENCRYPTION_KEY). Each process caches the ring for `ttlMs` and re-reads it at once when
 * asked for a key id it does not know, so a token signed by another desk with a brand-new key verifies
 * here on first sight; signing switches to the new key within `ttlMs` (the old one still verifies).
 * When the database cannot be read the last ring stays in use (retried a second later).
 */
export interface RingKeyring extends Keyring {
  /** The bot's token and webhook secret from `desk secrets rotate telegram` (none yet: the env ones). */
  telegram(): Promise<TelegramRing>;
  /** Re-reads the ring now (after a rotation by this process). */
  refresh(): Promise<void>;
  readonly ttlMs: number;
}

export const DEFAULT_RING_TTL_MS = 5_000;
/** Ring key ids: purpose, creation instant, 4 random hex. Only these trigger a re-read on a miss. */
const RING_ID = /^(jwt|audit|data|telegram)-\d{8}T\d{6}Z-[0-9a-f]{4}$/;

export function newRingKeyId(purpose: KeyPurpose, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${purpose}-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Seals key material for `secret_keys`; the purpose and id are bound as associated data. */
export function createMaster(dataEncryptionKey: Buffer) {
  const key = Buffer.from(hkdfSync('sha256', dataEncryptionKey, Buffer.alloc(0), 'usdt-desk/keyring/v1', 32));
  const aad = (purpose: string, id: string) => Buffer.from(`secret_keys:${purpose}:${id}`);
  return {
    seal(purpose: KeyPurpose, id: string, material: Buffer): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(purpose, id));
      const ct = Buffer.concat([cipher.update(material), cipher.final()]);
      return ['k1', iv, cipher.getAuthTag(), ct]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.');
    },
    open(purpose: KeyPurpose, id: string, sealed: string): Buffer {
      const [version, iv, tag, ct] = sealed.split('.');
      if (version !== 'k1' || !iv || !tag || !ct)
        throw new Error(`key ${purpose}/${id}: unrecognised sealed key format`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(aad(purpose, id));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      try {
        return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]);
      } catch {
        throw new Error(
          `key ${purpose}/${id} does not open with this DATA_ENCRYPTION_KEY (the master key): is it the one the ring was made under?`,
        );
      }
    },
  };
}
export type Master = ReturnType<typeof createMaster>;

/** The env token's id in the ring (its tombstone once a rotation retired it). */
export const ENV_TELEGRAM_ID = 'env';

export interface TelegramCredentials {
  id: string;
  token: string;
  webhookSecret: string;
}

export interface TelegramRing {
  current: TelegramCredentials | null;
  /** Retired keys, newest first: their webhook secret (null: the env TELEGRAM_WEBHOOK_SECRET) and when. */
  retired: { id: string; webhookSecret: string | null; retiredAt: Date }[];
}

export function sealTelegram(c: Omit<TelegramCredentials, 'id'>): Buffer {
  return Buffer.from(JSON.stringify({ token: c.token, webhookSecret: c.webhookSecret }));
}

function openTelegram(id: string, material: Buffer): TelegramCredentials {
  const parsed = JSON.parse(material.toString('utf8')) as Partial<TelegramCredentials>;
  if (typeof parsed.token !== 'string' || typeof parsed.webhookSecret !== 'string')
    throw new Error(`key telegram/${id}: not a token and webhook secret`);
  return { id, token: parsed.token, webhookSecret: parsed.webhookSecret };
}

interface Snapshot {
  telegram: TelegramRing;
  jwtSigning: JwtKey;
  jwt: Map<string, Uint8Array>;
  audit: CheckpointSigner;
  data: DataKey;
  dataKeys: Map<string, Buffer>;
}

type Row = Pick<SecretKeysTable, 'id' | 'purpose' | 'source' | 'sealed' | 'retired_at' | 'pruned_at'> & {
  created_at: Date;
};

/** The ring as the rows and env say: newest unretired ring key signs, else the env key. */
export function ringFromRows(secrets: Secrets, master: Master, rows: Row[]): Snapshot {
  const pruned = new Set(rows.filter((r) => r.pruned_at).map((r) => `${r.purpose}/${r.id}`));
  const live = rows
    .filter((r) => r.source === 'ring' && !r.pruned_at && r.sealed)
    .sort((a, b) => b.created_at.getTime() - a.created_at.getTime());
  const signing = (purpose: KeyPurpose) => live.find((r) => r.purpose === purpose && !r.retired_at);
  const open = (r: Row) => master.open(r.purpose, r.id, r.sealed ?? '');

  const jwt = new Map<string, Uint8Array>();
  for (const k of secrets.jwtKeys) if (!pruned.has(`jwt/${k.kid}`)) jwt.set(k.kid, new Uint8Array(k.secret));
  for (const r of live.filter((r) => r.purpose === 'jwt')) jwt.set(r.id, new Uint8Array(open(r)));
  const jwtRow = signing('jwt');
  const envJwt = secrets.jwtKeys[0];
  if (!envJwt) throw new Error('the JWT keyring is empty: configure JWT_SIGNING_KEYS');
  const jwtSigning = jwtRow
    ? { kid: jwtRow.id, secret: jwt.get(jwtRow.id) ?? new Uint8Array() }
    : { kid: envJwt.kid, secret: new Uint8Array(envJwt.secret) };

  const auditRow = signing('audit');
  const audit = createSigner(auditRow ? open(auditRow).toString('utf8') : secrets.auditSigningKeyPem);

  const dataKeys = new Map<string, Buffer>();
  if (!pruned.has(`data/${ENV_DATA_KEY_ID}`)) dataKeys.set(ENV_DATA_KEY_ID, secrets.dataEncryptionKey);
  for (const r of live.filter((r) => r.purpose === 'data')) dataKeys.set(r.id, open(r));
  const dataRow = signing('data');
  const data = dataRow
    ? { id: dataRow.id, key: dataKeys.get(dataRow.id) ?? Buffer.alloc(0) }
    : { id: ENV_DATA_KEY_ID, key: secrets.dataEncryptionKey };
  const telegramRow = signing('telegram');
  const retired = rows
    .filter((r) => r.purpose === 'telegram' && r.retired_at && !r.pruned_at)
    .sort((a, b) => (b.retired_at?.getTime() ?? 0) - (a.retired_at?.getTime() ?? 0))
    .map((r) => ({
      id: r.id,
      webhookSecret: r.source === 'env' ? null : openTelegram(r.id, open(r)).webhookSecret,
      retiredAt: r.retired_at ?? new Date(0),
    }));
  const telegram = {
    current: telegramRow ? openTelegram(telegramRow.id, open(telegramRow)) : null,
    retired,
  };
  return { jwtSigning, jwt, audit, data, dataKeys, telegram };
}

export function createRingKeyring(deps: {
  db: Db;
  secrets: Secrets;
  ttlMs?: number;
  now?: () => number;
  onReloadError?: (err: unknown) => void;
}): RingKeyring {
  const ttlMs = deps.ttlMs ?? DEFAULT_RING_TTL_MS;
  const now = deps.now ?? Date.now;
  const master = createMaster(deps.secrets.dataEncryptionKey);
  let current: { ring: Snapshot; loadedAt: number } | undefined;
  let inFlight: { started: number; promise: Promise<Snapshot> } | undefined;

  const read = async (): Promise<Snapshot> => {
    const rows = await deps.db
      .selectFrom('secret_keys')
      .select(['id', 'purpose', 'source', 'sealed', 'created_at', 'retired_at', 'pruned_at'])
      .execute();
    return ringFromRows(deps.secrets, master, rows);
  };

  /** A read that starts at or after `since` (joined when one already has). */
  const reload = (since: number): Promise<Snapshot> => {
    if (inFlight && inFlight.started >= since) return inFlight.promise;
    const started = now();
    const promise = read().then(
      (ring) => {
        current = { ring, loadedAt: started };
        return ring;
      },
      (err: unknown) => {
        if (!current) throw err;
        deps.onReloadError?.(err);
        current = { ring: current.ring, loadedAt: started - ttlMs + 1_000 };
        return current.ring;
      },
    );
    const entry = { started, promise };
    inFlight = entry;
    void promise.finally(() => {
      if (inFlight === entry) inFlight = undefined;
    });
    return promise;
  };

  const ring = async (): Promise<Snapshot> =>
    current && now() - current.loadedAt < ttlMs ? current.ring : reload(now());

  /** Looks a key up, re-reading the ring once if the id looks like a ring key this process has not seen. */
  async function lookup<V>(pick: (s: Snapshot) => V | undefined, id: string): Promise<V | undefined> {
    const asked = now();
    const found = pick(await ring());
    if (found !== undefined || !RING_ID.test(id)) return found;
    return pick(await reload(asked));
  }

  return {
    ttlMs,
    refresh: async () => {
      await reload(now());
    },
    jwtSigning: async () => (await ring()).jwtSigning,
    jwtKey: (kid) => lookup((s) => s.jwt.get(kid), kid),
    auditSigner: async () => (await ring()).audit,
    dataCurrent: async () => (await ring()).data,
    dataKey: (id) => lookup((s) => s.dataKeys.get(id), id),
    telegram: async () => (await ring()).telegram,
  };
}
