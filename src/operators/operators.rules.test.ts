import { describe, expect, it } from 'vitest';
import {
  accessTokenExpiry,
  afterFailure,
  isLocked,
  isStepUpOpen,
  matchTotpStep,
  operatorProblems,
  passwordProblems,
  sessionRejection,
  stepUpUntil,
  totpStep,
} from './operators.rules.js';

const T = new Date('2026-01-05T10:00:00Z');
const min = (n: number) => new Date(T.getTime() + n * 60_000);

describe('passwordProblems', () => {
  it.each([
    ['', ['must be at least 12 characters']],
    ['elevenchars', ['must be at least 12 characters']],
    ['twelve chars', []],
    ['€€€€€€€€€€€€', []], // counted in characters, not bytes
    ['a'.repeat(257), ['must be at most 256 characters']],
    ['Ops@Desk.Test', ['must not be the email address']],
  ])('%j → %j', (password, messages) => {
    expect(passwordProblems(password, { email: 'ops@desk.test' }).map((p) => p.message)).toEqual(messages);
  });

  it('reports problems on the password field', () => {
    expect(passwordProblems('short')[0]?.path).toBe('password');
  });
});

describe('operatorProblems', () => {
  it.each([
    [{ email: 'a@b.co', name: 'A', roles: ['auditor'] }, []],
    [{ email: 'not-an-email', name: 'A', roles: ['auditor'] }, ['email']],
    [{ email: 'a@b.co', name: '  ', roles: ['auditor'] }, ['name']],
    [{ email: 'a@b.co', name: 'A', roles: [] }, ['roles']],
    [{ email: 'a@b.co', name: 'A', roles: ['root'] }, ['roles']],
  ])('%j → fields %j', (input, fields) => {
    expect(operatorProblems(input).map((p) => p.path)).toEqual(fields);
  });

  it('allows no role only when asked (the API grants roles through operator.role requests)', () => {
    expect(operatorProblems({ email: 'a@b.co', name: 'A', roles: [] }, { requireRole: false })).toEqual([]);
    expect(
      operatorProblems({ email: 'a@b.co', name: 'A', roles: ['root'] }, { requireRole: false }).map(
        (p) => p.path,
      ),
    ).toEqual(['roles']);
  });
});

describe('lockout', () => {
  const policy = { maxFailures: 3, lockMinutes: 15 };
  it.each([
    [
      'first failure',
      { failedLogins: 0, lockedUntil: null },
      { failedLogins: 1, lockedUntil: null, lockedNow: false },
    ],
    [
      'one below the limit',
      { failedLogins: 1, lockedUntil: null },
      { failedLogins: 2, lockedUntil: null, lockedNow: false },
    ],
    [
      'reaching the limit locks',
      { failedLogins: 2, lockedUntil: null },
      { failedLogins: 3, lockedUntil: min(15), lockedNow: true },
    ],
    [
      'failures while locked do not extend the lock',
      { failedLogins: 3, lockedUntil: min(5) },
      { failedLogins: 3, lockedUntil: min(5), lockedNow: false },
    ],
    [
      'after an expired lock, counting restarts',
      { failedLogins: 3, lockedUntil: min(-1) },
      { failedLogins: 1, lockedUntil: null, lockedNow: false },
    ],
  ])('%s', (_name, state, expected) => {
    expect(afterFailure(state, policy, T)).toEqual(expected);
  });

  it.each([
    [null, false],
    [min(-1), false],
    [T, false],
    [min(1), true],
  ])('isLocked(%j) → %s', (until, locked) => {
    expect(isLocked(until, T)).toBe(locked);
  });
});

describe('TOTP acceptance window', () => {
  const step = totpStep(T);
  const codeFor = (s: number) => String(s % 1_000_000).padStart(6, '0');
  it.each([
    ['current step', codeFor(step), step],
    ['previous step (clock drift)', codeFor(step - 1), step - 1],
    ['next step (clock drift)', codeFor(step + 1), step + 1],
    ['two steps old', codeFor(step - 2), null],
    ['two steps ahead', codeFor(step + 2), null],
    ['not six digits', '12345', null],
    ['letters', 'abcdef', null],
  ])('%s', (_name, code, expected) => {
    expect(matchTotpStep(code, T, codeFor)).toBe(expected);
  });

  it('steps are 30 seconds', () => {
    expect(totpStep(new Date(T.getTime() + 30_000))).toBe(step + 1);
  });
});

describe('step-up window', () => {
  it.each([
    [null, T, false],
    [stepUpUntil(T, 10), min(9), true],
    [stepUpUntil(T, 10), min(10), false],
    [stepUpUntil(T, 10), min(11), false],
  ])('until %j at %j → %s', (until, now, open) => {
    expect(isStepUpOpen(until, now)).toBe(open);
  });
});

describe('session validity', () => {
  const live = { expiresAt: min(60), revokedAt: null, operatorStatus: 'active' as const };
  it.each([
    ['live', live, null],
    ['revoked', { ...live, revokedAt: T }, 'revoked'],
    ['expired', { ...live, expiresAt: T }, 'expired'],
    ['operator deactivated', { ...live, operatorStatus: 'deactivated' as const }, 'deactivated'],
  ])('%s', (_name, session, rejection) => {
    expect(sessionRejection(session, T)).toBe(rejection);
  });

  it.each([
    ['short token inside a long session', min(600), min(15)],
    ['token capped at session end', min(5), min(5)],
  ])('%s', (_name, sessionEnd, expected) => {
    expect(accessTokenExpiry(T, 15, sessionEnd)).toEqual(expected);
  });
});
