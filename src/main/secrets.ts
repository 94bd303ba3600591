import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  auditKeyPem,
  auditKeyProblem,
  ConfigError,
  decodeKey,
  splitJwtKeys,
  type Config,
  type Secrets,
} from '../config.js';

interface DevSecretsFile {
  jwt: string;
  audit: string;
  data: string;
}

const SET_THEM = 'or set JWT_SIGNING_KEYS, AUDIT_SIGNING_KEY and DATA_ENCRYPTION_KEY';

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/**
 * Production secrets come only from env or *_FILE (checked in config). Outside production, missing
 * ones are generated once and kept in `<DESK_DATA_DIR>/dev-secrets.json` (mode 600), so a local desk
 * keeps its sessions and audit key across restarts with zero setup.
 *
 * Every problem here is a `ConfigError`: one line saying what to do, before the database is opened.
 */
export function resolveSecrets(config: Config): Secrets {
  let dev: DevSecretsFile | undefined;
  const devFile = path.join(config.dataDir, 'dev-secrets.json');
  const devSecrets = (): DevSecretsFile =>
    (dev ??= readDevSecrets(devFile) ?? writeDevSecrets(config.dataDir, devFile));

  const jwtKeys = parseJwtKeys(
    config.JWT_SIGNING_KEYS ?? devSecrets().jwt,
    config.JWT_SIGNING_KEYS ? 'JWT_SIGNING_KEYS' : devFile,
  );
  const auditSigningKeyPem = parseAuditKey(
    config.AUDIT_SIGNING_KEY ?? devSecrets().audit,
    config.AUDIT_SIGNING_KEY ? 'AUDIT_SIGNING_KEY' : devFile,
  );
  const dataEncryptionKey = parseDataKey(
    config.DATA_ENCRYPTION_KEY ?? devSecrets().data,
    config.DATA_ENCRYPTION_KEY ? 'DATA_ENCRYPTION_KEY' : devFile,
  );
  return { jwtKeys, auditSigningKeyPem, dataEncryptionKey };
}

function readDevSecrets(devFile: string): DevSecretsFile | undefined {
  let text: string;
  try {
    text = fs.readFileSync(devFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') throw unwritable(path.dirname(devFile), err);
    throw new ConfigError(
      `cannot read ${devFile} (${errno(err)}): fix its permissions, choose another DESK_DATA_DIR, ${SET_THEM}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const ok = (v: unknown): v is DevSecretsFile =>
    typeof v === 'object' &&
    v !== null &&
    ['jwt', 'audit', 'data'].every((k) => typeof (v as Record<string, unknown>)[k] === 'string');
  if (!ok(parsed)) {
    throw new ConfigError(
      `${devFile} is damaged (it must hold the development secrets as JSON {jwt, audit, data}): restore it, or delete it to generate new ones (sessions end and audit checkpoints are signed with a new key from then on), ${SET_THEM}`,
    );
  }
  return parsed;
}

function writeDevSecrets(dataDir: string, devFile: string): DevSecretsFile {
  const { privateKey } = generateKeyPairSync('ed25519');
  const dev: DevSecretsFile = {
    jwt: `dev1:${randomBytes(32).toString('base64url')}`,
    audit: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    data: randomBytes(32).toString('base64'),
  };
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(devFile, JSON.stringify(dev), { mode: 0o600 });
  } catch (err) {
    throw unwritable(dataDir, err);
  }
  return dev;
}

const unwritable = (dataDir: string, err: unknown) =>
  new ConfigError(
    `cannot write to the data folder ${dataDir} (${errno(err)}), where development secrets are kept: choose another with DESK_DATA_DIR or fix its permissions, ${SET_THEM}`,
  );

function parseJwtKeys(spec: string, source: string): Secrets['jwtKeys'] {
  const entries = splitJwtKeys(spec);
  if (!entries) {
    throw new ConfigError(
      `${source} must be a comma-separated list of kid:secret entries, the signing key first (e.g. k2:<openssl rand -base64 32>,k1:<the previous key>)`,
    );
  }
  return entries.map(({ kid, secret }) => ({ kid, secret: Buffer.from(secret) }));
}

function parseAuditKey(raw: string, source: string): string {
  const pem = auditKeyPem(raw);
  const problem = auditKeyProblem(pem);
  if (problem) throw new ConfigError(`${source}: the audit signing key ${problem}`);
  return pem;
}

function parseDataKey(raw: string, source: string): Buffer {
  const key = decodeKey(raw);
  if (key?.length !== 32)
    throw new ConfigError(
      `${source}: the data encryption key must be 32 bytes, base64 or hex (openssl rand -base64 32)`,
    );
  return key;
}
