import fs from 'node:fs';
import { totpStep } from '../../src/operators/operators.rules.js';
import { totpCodeForStep } from '../../src/operators/operators.totp.js';
import type { SmokeHttp } from './http.js';

/** An operator's credentials, as given on the command line (`email:password:totpSecret`) or in a file. */
export interface Credentials {
  email: string;
  password: string;
  totpSecret: string;
}

export interface SignedInOperator extends Credentials {
  id: string;
  roles: string[];
  token: string;
}

/** `email:password:totpSecret`: the email up to the first colon, the secret after the last one. */
export function parseCredentials(spec: string): Credentials {
  const first = spec.indexOf(':');
  const last = spec.lastIndexOf(':');
  if (first < 1 || last === first || last === spec.length - 1)
    throw new Error(`--operator wants email:password:totpSecret, got "${spec.replace(/:.*$/, ':…')}"`);
  return {
    email: spec.slice(0, first),
    password: spec.slice(first + 1, last),
    totpSecret: spec.slice(last + 1).replace(/\s+/g, ''),
  };
}

/** A file with one `email:password:totpSecret` a line (blank lines and `#` comments ignored). */
export function readCredentialsFile(file: string): Credentials[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map(parseCredentials);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Signs in with password and a TOTP code. The desk accepts each 30-second step once per operator and
 * the current step ±1: the smoke uses the next step (rarely used already), and on a refusal waits
 * for a fresh step and tries once more.
 */
export async function signIn(http: SmokeHttp, who: Credentials): Promise<SignedInOperator> {
  let lastError = '';
  for (let attempt = 0; attempt < 2; attempt++) {
    if (attempt > 0) {
      const next = (totpStep(new Date()) + 1) * 30_000;
      await sleep(next - Date.now() + 200);
    }
    const code = totpCodeForStep(who.totpSecret, totpStep(new Date()) + (attempt === 0 ? 1 : 0));
    const res = await http.call<{
      token?: string;
      mfaVerified?: boolean;
      stepUpUntil?: string | null;
      operator?: { id: string; roles: string[] };
      code?: string;
      detail?: string;
    }>('POST', '/api/auth/login', { body: { email: who.email, password: who.password, code } });
    if (res.status === 200 && res.body.token && res.body.operator) {
      if (!res.body.mfaVerified || !res.body.stepUpUntil)
        throw new Error(`${who.email}: signed in without MFA verified and step-up open`);
      return { ...who, id: res.body.operator.id, roles: res.body.operator.roles, token: res.body.token };
    }
    lastError = `${res.status} ${res.body.code ?? ''} ${res.body.detail ?? ''}`.trim();
    if (res.status !== 401 && res.status !== 400) break;
  }
  throw new Error(`${who.email} could not sign in with MFA: ${lastError}`);
}
