import { randomBytes } from 'node:crypto';
import type { Composition } from '../../src/main/compose.js';
import { SESSION_COOKIE } from '../../src/operators/operators.authenticator.js';
import { totpStep } from '../../src/operators/operators.rules.js';
import type { IssuedSession, RequestContext } from '../../src/operators/operators.sessions.js';
import type { Role } from '../../src/shared/roles.js';
import { totpCodeAt, totpCodeForStep } from '../../src/operators/operators.totp.js';
import { systemClock, type Clock } from '../../src/shared/clock.js';

/** A TestServer, or anything with the composition (and the clock it was built with, if not the system one). */
export interface FactoryTarget {
  desk: Composition;
  clock?: Clock;
}

export interface OperatorOptions {
  roles?: Role[];
  /** Enrol an authenticator (default true). Without it the operator's sessions are enrolment-only. */
  mfa?: boolean;
  email?: string;
  name?: string;
  password?: string;
}

export interface SignedIn {
  token: string;
  csrfToken: string;
  sessionId: string;
  stepUpUntil: Date | null;
  /** The refresh token the console keeps in its `desk_refresh` cookie (path /api/auth/refresh). */
  refreshToken: string;
  /** `desk_session=<jwt>`, for a `cookie` header. */
  cookie: string;
  /** `{ authorization: 'Bearer …' }`, to spread into `app.inject({ headers })`. */
  bearer: { authorization: string };
  /** Cookie plus CSRF header: what the console sends on a mutation. */
  console: { cookie: string; 'x-csrf-token': string };
}

export interface TestOperator {
  id: string;
  email: string;
  name: string;
  password: string;
  roles: Role[];
  /** Base32 TOTP seed (null without MFA): generate any code you like with totpCodeAt(secret, date). */
  secret: string | null;
  /**
   * A code for the next time step this factory has not handed out yet, at the target's clock. The
   * server accepts each step once and only the current one ±1, so with a fixed clock you get two
   * codes (the current and the next step) before you must `clock.advance(30_000)`.
   */
  totp(): string;
  totpAt(at: Date): string;
  /** Signs in through the auth service (no HTTP, so no per-IP rate limit). With MFA the session is step-up fresh. */
  login(): Promise<SignedIn>;
}

const FACTORY_CONTEXT: RequestContext = {
  actorType: 'system',
  ip: '127.0.0.1',
  requestId: 'test-factory',
  userAgent: 'test-factory',
};

function signedIn(s: IssuedSession): SignedIn {
  const cookie = `${SESSION_COOKIE}=${s.token}`;
  return {
    token: s.token,
    csrfToken: s.csrfToken,
    sessionId: s.sessionId,
    stepUpUntil: s.stepUpUntil,
    refreshToken: s.refreshToken,
    cookie,
    bearer: { authorization: `Bearer ${s.token}` },
    console: { cookie, 'x-csrf-token': s.csrfToken },
  };
}

/** Creates an operator through the operators service (audited like the CLI would), enrolled in MFA unless `mfa: false`. */
export async function newOperator(t: FactoryTarget, opts: OperatorOptions = {}): Promise<TestOperator> {
  const { operators, auth } = t.desk.services;
  const clock = t.clock ?? systemClock;
  const suffix = randomBytes(4).toString('hex');
  const email = opts.email ?? `op-${suffix}@desk.test`;
  const name = opts.name ?? `Operator ${suffix}`;
  const password = opts.password ?? `pw-${suffix}-correct-horse`;
  const roles = opts.roles ?? ['ops_approver'];
  // The real path: created without a password, the person accepts their own invitation.
  const { operator: created, invitation } = await operators.createOperator(
    { email, name, roles: [] },
    { actorType: 'system', requestId: 'test-factory' },
  );
  await operators.acceptInvitation(
    { token: invitation.token, password },
    { actorType: 'system', requestId: 'test-factory' },
  );
  // Roles are test seeding (the bootstrap/break-glass/co-signed paths have their own tests).
  if (roles.length > 0)
    await t.desk.db.updateTable('operators').set({ roles }).where('id', '=', created.id).execute();

  let secret: string | null = null;
  let lastStep = -Infinity;
  const totp = () => {
    if (!secret) throw new Error(`${email} has no authenticator (created with mfa: false)`);
    const current = totpStep(clock.now());
    const step = Math.max(lastStep + 1, current);
    if (step > current + 1)
      throw new Error(
        'no unused TOTP step left at this clock time: advance the fixed clock by 30 s (clock.advance(30_000))',
      );
    lastStep = step;
    return totpCodeForStep(secret, step);
  };

  if (opts.mfa !== false) {
    const first = await auth.login({ email, password }, FACTORY_CONTEXT);
    const ref = {
      operatorId: created.id,
      sessionId: first.sessionId,
      mfaVerified: first.mfaVerified,
      stepUpUntil: first.stepUpUntil,
    };
    secret = (await auth.enrollMfa(ref, FACTORY_CONTEXT)).secret;
    await auth.verifyMfa(ref, totp(), FACTORY_CONTEXT);
  }

  return {
    id: created.id,
    email,
    name,
    password,
    roles,
    get secret() {
      return secret;
    },
    totp,
    totpAt: (at) => {
      if (!secret) throw new Error(`${email} has no authenticator (created with mfa: false)`);
      return totpCodeAt(secret, at);
    },
    login: async () =>
      signedIn(await auth.login({ email, password, ...(secret ? { totp: totp() } : {}) }, FACTORY_CONTEXT)),
  };
}

/** An operator with these roles and a fresh (step-up open) session: the shortest way to a bearer token. */
export async function signedInOperator(
  t: FactoryTarget,
  opts: OperatorOptions = {},
): Promise<{ operator: TestOperator } & SignedIn> {
  const operator = await newOperator(t, opts);
  return { operator, ...(await operator.login()) };
}
