import { createPrivateKey } from 'node:crypto';
import type { Config } from './config.js';
import { ConfigError } from './config.parse.js';

/**
 * The floor for a 32-character secret or a 32-byte key. A random one estimates at 90–250 bits (hex
 * shows fewer than base64), so an honest key always clears it; 'x' × 40, 'abcd' × 10 or
 * 'abcdef…0123…' estimate under 20.
 */
const MIN_KEY_BITS = 64;
const GENERATE_HINT =
  'a repeated pattern, a sequence or too few distinct characters (generate one: openssl rand -base64 32)';

/** In production, secrets have no defaults: name every missing or weak one and refuse to start. */
export function assertProductionSecrets(config: Config): void {
  const problems: string[] = [];
  if (!config.JWT_SIGNING_KEYS) problems.push('JWT_SIGNING_KEYS is missing');
  else problems.push(...jwtKeyProblems(config.JWT_SIGNING_KEYS));
  if (!config.AUDIT_SIGNING_KEY) problems.push('AUDIT_SIGNING_KEY is missing');
  else problems.push(...auditKeyProblems(config.AUDIT_SIGNING_KEY));
  if (!config.DATA_ENCRYPTION_KEY) problems.push('DATA_ENCRYPTION_KEY is missing');
  else {
    const key = decodeKey(config.DATA_ENCRYPTION_KEY);
    if (key?.length !== 32) problems.push('DATA_ENCRYPTION_KEY must be 32 bytes (base64 or hex)');
    else if (estimatedEntropyBits(key) < MIN_KEY_BITS)
      problems.push(`DATA_ENCRYPTION_KEY is predictable: ${GENERATE_HINT}`);
  }
  const optional = [
    ['SETUP_TOKEN', config.SETUP_TOKEN, 32, MIN_KEY_BITS],
    ['PRICING_LP_TOKEN', config.PRICING_LP_TOKEN, 16, MIN_KEY_BITS / 2],
    ['TELEGRAM_WEBHOOK_SECRET', config.TELEGRAM_WEBHOOK_SECRET, 16, MIN_KEY_BITS / 2],
  ] as const;
  for (const [name, value, minLength, minBits] of optional) {
    if (value === undefined) continue;
    if (value.length < minLength) problems.push(`${name} is shorter than ${minLength} characters`);
    else if (estimatedEntropyBits(value) < minBits) problems.push(`${name} is predictable: ${GENERATE_HINT}`);
  }
  if (config.DATABASE_URL && /:(password|postgres|changeme)@/.test(config.DATABASE_URL)) {
    problems.push('DATABASE_URL uses a well-known password');
  }
  const plainLps = config.PRICING_LP_URLS.filter(
    (lp) => lp.url.startsWith('http:') && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(lp.url),
  );
  if (plainLps.length > 0)
    problems.push(
      `PRICING_LP_URLS: ${plainLps.map((lp) => lp.name).join(', ')} must use https (the token and the prices travel over it)`,
    );
  if (problems.length > 0) {
    throw new ConfigError(`refusing to start in production: ${problems.join('; ')}`);
  }
}

function jwtKeyProblems(spec: string): string[] {
  const entries = splitJwtKeys(spec);
  if (!entries) return ['JWT_SIGNING_KEYS entries must look like kid:secret'];
  const problems: string[] = [];
  const kids = new Set<string>();
  for (const { kid, secret } of entries) {
    if (kids.has(kid)) problems.push(`JWT_SIGNING_KEYS names the key "${kid}" twice`);
    kids.add(kid);
    if (secret.length < 32) problems.push(`JWT_SIGNING_KEYS has a key shorter than 32 characters ("${kid}")`);
    else if (estimatedEntropyBits(secret) < MIN_KEY_BITS)
      problems.push(`JWT_SIGNING_KEYS key "${kid}" is predictable: ${GENERATE_HINT}`);
  }
  return problems;
}

/** `JWT_SIGNING_KEYS` as `kid:secret` entries, the signing key first; undefined when one is malformed. */
export function splitJwtKeys(spec: string): { kid: string; secret: string }[] | undefined {
  const entries = spec.split(',').map((entry) => {
    const at = entry.indexOf(':');
    return { kid: at > 0 ? entry.slice(0, at).trim() : '', secret: at > 0 ? entry.slice(at + 1).trim() : '' };
  });
  return entries.every((e) => e.kid !== '' && e.secret !== '') ? entries : undefined;
}

function auditKeyProblems(raw: string): string[] {
  const problem = auditKeyProblem(auditKeyPem(raw));
  return problem ? [`AUDIT_SIGNING_KEY ${problem}`] : [];
}

/** Why this PEM cannot sign audit checkpoints (checked at start, not after migrations); undefined when it can. */
export function auditKeyProblem(pem: string): string | undefined {
  let type: string | undefined;
  try {
    type = createPrivateKey(pem).asymmetricKeyType;
  } catch {
    return 'is not a private key (PKCS#8 PEM or its base64 body; openssl genpkey -algorithm ed25519)';
  }
  return type === 'ed25519'
    ? undefined
    : `must be an Ed25519 key, not ${type ?? 'unknown'} (openssl genpkey -algorithm ed25519)`;
}

/** `AUDIT_SIGNING_KEY` as PEM: either given so, or the base64 body of one. */
export function auditKeyPem(raw: string): string {
  return raw.includes('BEGIN') ? raw : `-----BEGIN PRIVATE KEY-----\n${raw}\n-----END PRIVATE KEY-----\n`;
}

/**
 * A cautious guess at a secret's entropy in bits, to refuse the obviously weak: the Shannon entropy of
 * its symbols times their count, after collapsing a repeated unit ("abcabc" counts as "abc"), and no
 * more than the same for the steps between neighbours (so "abcdef…" counts as a run, not 26 letters).
 * It cannot see that a random-looking string was copied from a blog post; it only catches the lazy.
 */
export function estimatedEntropyBits(value: string | Uint8Array): number {
  const symbols =
    typeof value === 'string' ? Array.from(value, (c) => c.codePointAt(0) ?? 0) : Array.from(value);
  const unit = shortestRepeatingUnit(symbols);
  const steps = unit.slice(1).map((c, i) => c - (unit[i] ?? 0));
  return Math.min(shannonBits(unit), shannonBits(steps));
}

function shortestRepeatingUnit(symbols: number[]): number[] {
  for (let period = 1; period <= symbols.length / 2; period++) {
    if (symbols.every((c, i) => c === symbols[i % period])) return symbols.slice(0, period);
  }
  return symbols;
}

function shannonBits(symbols: number[]): number {
  const counts = new Map<number, number>();
  for (const s of symbols) counts.set(s, (counts.get(s) ?? 0) + 1);
  let perSymbol = 0;
  for (const n of counts.values()) perSymbol -= (n / symbols.length) * Math.log2(n / symbols.length);
  return perSymbol * symbols.length;
}

export function decodeKey(value: string): Buffer | undefined {
  if (/^[0-9a-f]{64}$/i.test(value)) return Buffer.from(value, 'hex');
  const b = Buffer.from(value, 'base64');
  return b.length > 0 ? b : undefined;
}
