import { z } from 'zod';
import { timingSafeEqual } from 'node:crypto';
import type { FieldError } from '../shared/errors.js';
import type { Role } from '../shared/roles.js';
import { ROLES } from '../shared/roles.js';

/**
 * The operators domain's decisions as plain functions over plain data: password policy, lockout,
 * the TOTP acceptance window, step-up and session validity. Services load state, call these, and
 * write the outcome.
 */

const PASSWORD_MIN_LENGTH = 12;
// argon2 hashes whatever it is given; an upper bound keeps one request from buying minutes of CPU.
const PASSWORD_MAX_LENGTH = 256;

export function passwordProblems(password: string, context: { email?: string } = {}): FieldError[] {
  const problems: FieldError[] = [];
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH)
    problems.push({ path: 'password', message: `must be at least ${PASSWORD_MIN_LENGTH} characters` });
  if (length > PASSWORD_MAX_LENGTH)
    problems.push({ path: 'password', message: `must be at most ${PASSWORD_MAX_LENGTH} characters` });
  if (context.email && password.trim().toLowerCase() === context.email.trim().toLowerCase()) {
    problems.push({ path: 'password', message: 'must not be the email address' });
  }
  return problems;
}

/** The one email rule, the API's (zod's): the CLI and setup go through operatorProblems, so they share it. */
const EMAIL = z.string().email().max(254);

/** Field errors for a new operator's identity (the password policy is separate so setup and CLI share it). */
/** `requireRole: false` is for the API, which creates operators with no role and files grant requests. */
export function operatorProblems(
  input: { email: string; name: string; roles: readonly string[] },
  opts: { requireRole?: boolean } = {},
): FieldError[] {
  const problems: FieldError[] = [];
  if (!EMAIL.safeParse(input.email).success)
    problems.push({ path: 'email', message: 'must be an email address' });
  if (input.name.trim().length === 0 || input.name.length > 200)
    problems.push({ path: 'name', message: 'must be 1 to 200 characters' });
  if (input.roles.length === 0 && opts.requireRole !== false)
    problems.push({ path: 'roles', message: `must name at least one role (${ROLES.join(', ')})` });
  for (const role of input.roles) {
    if (!isRole(role))
      problems.push({ path: 'roles', message: `${role} is not a role (${ROLES.join(', ')})` });
  }
  return problems;
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export interface LockoutState {
  failedLogins: number;
  lockedUntil: Date | null;
}

export interface LockoutPolicy {
  maxFailures: number;
  lockMinutes: number;
}

export function isLocked(lockedUntil: Date | null, now: Date): boolean {
  return lockedUntil !== null && lockedUntil > now;
}

/**
 * The account state after one more failed attempt. Failures while locked do not extend the lock
 * (otherwise anyone who knows an email could keep that operator out forever at no cost); once a lock
 * has expired, counting starts again from zero.
 */
export function afterFailure(
  state: LockoutState,
  policy: LockoutPolicy,
  now: Date,
): LockoutState & { lockedNow: boolean } {
  if (isLocked(state.lockedUntil, now)) return { ...state, lockedNow: false };
  const base = state.lockedUntil ? 0 : state.failedLogins;
  const failedLogins = base + 1;
  if (failedLogins >= policy.maxFailures) {
    return {
      failedLogins,
      lockedUntil: new Date(now.getTime() + policy.lockMinutes * 60_000),
      lockedNow: true,
    };
  }
  return { failedLogins, lockedUntil: null, lockedNow: false };
}

export const TOTP_PERIOD_SECONDS = 30;
/** Steps accepted either side of the current one: tolerates ±30 s of clock drift between phone and server. */
const TOTP_WINDOW = 1;

export function totpStep(now: Date): number {
  return Math.floor(now.getTime() / 1000 / TOTP_PERIOD_SECONDS);
}

/**
 * Which time step a submitted code belongs to, or null. Every candidate is compared (in constant
 * time) so the answer's timing does not depend on which step matched. The caller must still record
 * the step as used: a code is valid once.
 */
export function matchTotpStep(
  code: string,
  now: Date,
  codeForStep: (step: number) => string,
  window = TOTP_WINDOW,
): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const current = totpStep(now);
  let matched: number | null = null;
  for (let step = current - window; step <= current + window; step++) {
    const expected = codeForStep(step);
    if (timingSafeEqual(Buffer.from(expected), Buffer.from(code)) && matched === null) matched = step;
  }
  return matched;
}

export function stepUpUntil(now: Date, minutes: number): Date {
  return new Date(now.getTime() + minutes * 60_000);
}

export function isStepUpOpen(until: Date | null, now: Date): boolean {
  return until !== null && until > now;
}

export interface SessionState {
  expiresAt: Date;
  revokedAt: Date | null;
  operatorStatus: 'active' | 'deactivated';
}

export type SessionRejection = 'revoked' | 'expired' | 'deactivated';

/** Checked on every request: a valid signature is not enough, the server-side session must still stand. */
export function sessionRejection(session: SessionState, now: Date): SessionRejection | null {
  if (session.revokedAt) return 'revoked';
  if (session.expiresAt <= now) return 'expired';
  if (session.operatorStatus !== 'active') return 'deactivated';
  return null;
}

/** An access token never outlives its session. */
export function accessTokenExpiry(now: Date, accessMinutes: number, sessionExpiresAt: Date): Date {
  const short = new Date(now.getTime() + accessMinutes * 60_000);
  return short < sessionExpiresAt ? short : sessionExpiresAt;
}
