/**
 * The keys a running desk signs and decrypts with, as the domains see them. Keys change while the desk
 * runs (`desk secrets rotate`), so every read is asynchronous: the ring behind it (src/secrets) answers
 * from a short-lived cache and re-reads the database when asked for a key id it does not know yet.
 */
export interface JwtKey {
  kid: string;
  secret: Uint8Array;
}

export interface DataKey {
  id: string;
  key: Buffer;
}

/** Signs audit checkpoints (the same shape as audit's Signer). */
export interface CheckpointSigner {
  keyId: string;
  /** SPKI DER, base64. */
  publicKey: string;
  sign: (message: string) => string;
}

export interface Keyring {
  /** The key new tokens are signed with. */
  jwtSigning(): Promise<JwtKey>;
  /** A key that still verifies tokens (undefined once pruned or never known). */
  jwtKey(kid: string): Promise<Uint8Array | undefined>;
  auditSigner(): Promise<CheckpointSigner>;
  /** The key new secrets at rest are sealed with. */
  dataCurrent(): Promise<DataKey>;
  dataKey(id: string): Promise<Buffer | undefined>;
}

/** The id of the data key given in DATA_ENCRYPTION_KEY (sealed values without a key id are under it). */
export const ENV_DATA_KEY_ID = 'env';

/** The env keys only, never changing: for parts built without the database ring (unit tests, tools). */
export function envKeyring(
  secrets: { jwtKeys: { kid: string; secret: Buffer }[]; dataEncryptionKey: Buffer },
  auditSigner?: CheckpointSigner,
): Keyring {
  const first = secrets.jwtKeys[0];
  const jwt = new Map(secrets.jwtKeys.map((k) => [k.kid, new Uint8Array(k.secret)]));
  const data = { id: ENV_DATA_KEY_ID, key: secrets.dataEncryptionKey };
  return {
    jwtSigning: () =>
      first
        ? Promise.resolve({ kid: first.kid, secret: new Uint8Array(first.secret) })
        : Promise.reject(new Error('the JWT keyring is empty: configure JWT_SIGNING_KEYS')),
    jwtKey: (kid) => Promise.resolve(jwt.get(kid)),
    auditSigner: () =>
      auditSigner ? Promise.resolve(auditSigner) : Promise.reject(new Error('no audit signing key here')),
    dataCurrent: () => Promise.resolve(data),
    dataKey: (id) => Promise.resolve(id === ENV_DATA_KEY_ID ? data.key : undefined),
  };
}
