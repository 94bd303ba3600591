import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { hash, verify, type Options } from '@node-rs/argon2';
import { ENV_DATA_KEY_ID, type Keyring } from '../shared/keyring.js';

/**
 * OWASP's first recommended argon2id configuration (m=19 MiB, t=2, p=1): about 20-40 ms per hash on
 * one core. argon2id is the library's default algorithm; the parameters live in each PHC string, so
 * raising them later only affects new hashes.
 */
export const ARGON2_OPTIONS: Options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * A hash to verify against when the email is unknown, so that answer costs the same argon2 work as
 * a wrong password and response time does not reveal which emails are operators.
 */
export function dummyPasswordHash(): () => Promise<string> {
  let pending: Promise<string> | undefined;
  return () => (pending ??= hashPassword(randomBytes(24).toString('base64url')));
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * AES-256-GCM for secrets at rest (TOTP seeds). The operator id is bound as associated data, so a
 * ciphertext copied onto another operator's row does not decrypt.
 */
export interface SecretBox {
  seal(plaintext: string, boundTo: string): string;
  open(sealed: string, boundTo: string): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('the data encryption key must be 32 bytes');
  return {
    seal(plaintext, boundTo) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(boundTo));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [
        'v1',
        iv.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
        ct.toString('base64url'),
      ].join('.');
    },
    open(sealed, boundTo) {
      const [version, iv, tag, ct] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || !ct) throw new Error('unrecognised sealed secret format');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(boundTo));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}

/**
 * Secrets at rest under the key ring's data keys: sealed with the current key, the value naming it
 * (`v2.<key id>.…`; `v1.…` is the DATA_ENCRYPTION_KEY from env), opened with whichever key it names,
 * so `desk secrets rotate data-key` can re-encrypt row by row while both keys read.
 */
export interface DataBox {
  seal(plaintext: string, boundTo: string): Promise<string>;
  open(sealed: string, boundTo: string): Promise<string>;
}

/** The data key a sealed value names. */
export function sealedKeyId(sealed: string): string {
  if (sealed.startsWith('v1.')) return ENV_DATA_KEY_ID;
  const [version, id] = sealed.split('.');
  return version === 'v2' && id ? id : 'unknown';
}

export function createDataBox(keyring: Pick<Keyring, 'dataCurrent' | 'dataKey'>): DataBox {
  return {
    async seal(plaintext, boundTo) {
      const { id, key } = await keyring.dataCurrent();
      const v1 = createSecretBox(key).seal(plaintext, boundTo);
      return id === ENV_DATA_KEY_ID ? v1 : `v2.${id}.${v1.slice('v1.'.length)}`;
    },
    async open(sealed, boundTo) {
      const id = sealedKeyId(sealed);
      const key = await keyring.dataKey(id);
      if (!key) throw new Error(`this secret is sealed under data key ${id}, which this desk does not have`);
      const v1 = id === ENV_DATA_KEY_ID ? sealed : `v1.${sealed.split('.').slice(2).join('.')}`;
      return createSecretBox(key).open(v1, boundTo);
    },
  };
}

/**
 * CSRF tokens are an HMAC of the session id: stable for the session, checkable on any node without a
 * lookup, and unforgeable without the key. The key is derived from the data encryption key rather
 * than the JWT keyring so that rotating JWT keys does not break open console sessions.
 */
export interface CsrfTokens {
  forSession(sessionId: string): string;
  matches(sessionId: string, presented: string): boolean;
}

export function createCsrfTokens(dataEncryptionKey: Buffer): CsrfTokens {
  const key = Buffer.from(hkdfSync('sha256', dataEncryptionKey, Buffer.alloc(0), 'usdt-desk/csrf/v1', 32));
  const forSession = (sessionId: string) => createHmac('sha256', key).update(sessionId).digest('base64url');
  return {
    forSession,
    matches(sessionId, presented) {
      const expected = Buffer.from(forSession(sessionId));
      const given = Buffer.from(presented);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}
