import { generateKeyPairSync, randomBytes } from 'node:crypto';

/**
 * The environment of a production desk whose secrets pass every check: a real Ed25519 audit key, a
 * random JWT key and data key. Spread an override over it to test one weak or missing secret.
 */
export function strongProductionEnv(): Record<string, string> {
  const { privateKey } = generateKeyPairSync('ed25519');
  return {
    NODE_ENV: 'production',
    JWT_SIGNING_KEYS: `k1:${randomBytes(32).toString('base64url')}`,
    AUDIT_SIGNING_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
}
