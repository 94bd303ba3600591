import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';

export interface Secrets {
  /** kid → secret; the first entry signs. */
  jwtKeys: { kid: string; secret: Buffer }[];
  auditSigningKeyPem: string;
  dataEncryptionKey: Buffer;
}

interface DevSecretsFile {
  jwt: string;
  audit: string;
  data: string;
}

/**
 * Production secrets come only from env or *_FILE (checked in config). Outside production, missing
 * ones are generated once and kept in `<DESK_DATA_DIR>/dev-secrets.json` (mode 600), so a local desk
 * keeps its sessions and audit key across restarts with zero setup.
 */
export function resolveSecrets(config: Config): Secrets {
  let dev: DevSecretsFile | undefined;
  const devFile = path.join(config.dataDir, 'dev-secrets.json');
  const devSecrets = (): DevSecretsFile => {
    if (dev) return dev;
    if (fs.existsSync(devFile)) return (dev = JSON.parse(fs.readFileSync(devFile, 'utf8')) as DevSecretsFile);
    const { privateKey } = generateKeyPairSync('ed25519');
    dev = {
      jwt: `dev1:${randomBytes(32).toString('base64url')}`,
      audit: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      data: randomBytes(32).toString('base64'),
    };
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(devFile, JSON.stringify(dev), { mode: 0o600 });
    return dev;
  };

  const jwtSpec = config.JWT_SIGNING_KEYS ?? devSecrets().jwt;
  const jwtKeys = jwtSpec.split(',').map((entry) => {
    const i = entry.indexOf(':');
    if (i <= 0) throw new Error('JWT_SIGNING_KEYS entries must look like kid:secret');
    return { kid: entry.slice(0, i).trim(), secret: Buffer.from(entry.slice(i + 1).trim()) };
  });
  const auditRaw = config.AUDIT_SIGNING_KEY ?? devSecrets().audit;
  const auditSigningKeyPem = auditRaw.includes('BEGIN') ? auditRaw : `-----BEGIN PRIVATE KEY-----\n${auditRaw}\n-----END PRIVATE KEY-----\n`;
  const dataRaw = config.DATA_ENCRYPTION_KEY ?? devSecrets().data;
  const dataEncryptionKey = /^[0-9a-f]{64}$/i.test(dataRaw) ? Buffer.from(dataRaw, 'hex') : Buffer.from(dataRaw, 'base64');
  return { jwtKeys, auditSigningKeyPem, dataEncryptionKey };
}
