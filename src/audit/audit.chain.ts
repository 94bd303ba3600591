import {
  createHash,
  createPrivateKey,
  hash,
  createPublicKey,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

/**
 * The hash chain's arithmetic, shared by the sealer (which builds it), the export (which carries it)
 * and the verifier (which recomputes it from a file alone). Changing anything here invalidates every
 * chain already built, so it is versioned through EXPORT_FORMAT_VERSION and never edited in place.
 */

export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an event that its digest covers, as text exactly as the export writes them. */
export interface ChainedEventFields {
  id: string;
  occurred_at: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  entity_type: string | null;
  entity_id: string | null;
  request_id: string | null;
  ip: string | null;
  data: unknown;
}

/** JSON with object keys sorted at every depth and no whitespace: one text per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`cannot canonicalise ${typeof value}`);
    return text;
  }
  // Plain loops and concatenation: this runs for every event the sealer chains and verify checks.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

export function sha256Hex(data: string | Buffer): string {
  // One-shot: no Hash object per call (same bytes as createHash().update(data), strings as UTF-8).
  return hash('sha256', data, 'hex');
}

const DIGEST_FIELDS = (
  [
    'id',
    'occurred_at',
    'actor_type',
    'actor_id',
    'action',
    'entity_type',
    'entity_id',
    'request_id',
    'ip',
    'data',
  ] as const
)
  .slice()
  .sort();
const DIGEST_KEYS = DIGEST_FIELDS.map((k) => `${JSON.stringify(k)}:`);

/**
 * sha256 of `canonicalJson({ id, occurred_at, …, data })`: the object's keys are fixed, so they are
 * written in their sorted order directly (an undefined field is left out, as canonicalJson does).
 */
export function eventDigest(e: ChainedEventFields): string {
  let out = '{';
  for (let i = 0; i < DIGEST_FIELDS.length; i++) {
    const v = e[DIGEST_FIELDS[i] as keyof ChainedEventFields];
    if (v === undefined) continue;
    out += `${out.length === 1 ? '' : ','}${DIGEST_KEYS[i] as string}${canonicalJson(v)}`;
  }
  return sha256Hex(`${out}}`);
}

const pair = Buffer.alloc(64);

/** hash(n) = sha256(hash(n-1) ‖ digest(n)) over the raw 32-byte values. */
export function chainHash(prevHash: string, digest: string): string {
  // Decoded into one reused 64-byte buffer; a value that is not 64 hex digits takes the general path
  // (Buffer.from keeps the hex it can read), so malformed input hashes exactly as it always did.
  if (
    prevHash.length === 64 &&
    digest.length === 64 &&
    pair.write(prevHash, 0, 32, 'hex') === 32 &&
    pair.write(digest, 32, 32, 'hex') === 32
  )
    return hash('sha256', pair, 'hex');
  return createHash('sha256')
    .update(Buffer.from(prevHash, 'hex'))
    .update(Buffer.from(digest, 'hex'))
    .digest('hex');
}

export interface Checkpoint {
  seq: string;
  hash: string;
  created_at: string;
  key_id: string;
  public_key: string;
  signature: string;
}

export const checkpointMessage = (c: Pick<Checkpoint, 'seq' | 'hash' | 'created_at'>) =>
  `${c.seq}|${c.hash}|${c.created_at}`;

/** Export attestations are signed with the same key; the prefix keeps them from passing as checkpoints. */
export const exportMessage = (canonicalTrailer: string) => `usdt-desk-audit-export|${canonicalTrailer}`;

export interface Signer {
  keyId: string;
  /** SPKI DER, base64: one line, so it fits a CSV cell and a JSON string. */
  publicKey: string;
  sign: (message: string) => string;
}

export function keyIdOf(publicKeyB64: string): string {
  return sha256Hex(Buffer.from(publicKeyB64, 'base64')).slice(0, 16);
}

export function createSigner(privateKeyPem: string): Signer {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error(`the audit signing key must be Ed25519, not ${key.asymmetricKeyType ?? 'unknown'}`);
  const publicKey = createPublicKey(key).export({ format: 'der', type: 'spki' }).toString('base64');
  return {
    keyId: keyIdOf(publicKey),
    publicKey,
    sign: (message) => sign(null, Buffer.from(message), key).toString('base64'),
  };
}

/** False for a malformed key or signature as well as a wrong one: a verifier must never throw on input. */
export function verifySignature(publicKeyB64: string, message: string, signatureB64: string): boolean {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(publicKeyB64, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, Buffer.from(message), key, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}
