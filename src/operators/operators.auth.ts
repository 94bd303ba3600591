import { withTransaction } from '../shared/db.js';
import { AppError } from '../shared/errors.js';
import { dummyPasswordHash, verifyPassword } from './operators.crypto.js';
import { createMfaUseCases, type MfaUseCases } from './operators.mfa.js';
import { permissionsOf, type Permission } from './operators.permissions.js';
import * as repo from './operators.repo.js';
import { isLocked, isStepUpOpen, sessionRejection } from './operators.rules.js';
import {
  createSessionKit,
  invalidCredentials,
  isMfaEnrolled,
  operatorView,
  type AccessToken,
  type AuthDeps,
  type IssuedSession,
  type OperatorView,
  type RequestContext,
  type SessionRef,
} from './operators.sessions.js';
import type { Role } from '../shared/roles.js';
import { verifyTotp } from './operators.totp.js';

export interface LoginInput {
  email: string;
  password: string;
  totp?: string;
}

export interface AuthenticatedSession extends SessionRef {
  roles: Role[];
  sessionExpiresAt: Date;
  csrfToken: string;
}

export interface Me extends OperatorView {
  permissions: Permission[];
  session: { id: string; mfaVerified: boolean; stepUpUntil: Date | null; stepUpOpen: boolean };
}

export interface AuthService extends MfaUseCases {
  login(input: LoginInput, ctx: RequestContext): Promise<IssuedSession>;
  /** A fresh access token for a session that still stands (the console calls it before expiry). */
  refresh(session: SessionRef): Promise<AccessToken>;
  /**
   * A fresh access token bought with a refresh token (after the access token has expired), for a
   * session that still stands. `csrfToken` is the X-CSRF-Token the caller sent: it must be the
   * session's. Null when either does not hold.
   */
  refreshWith(refreshToken: string, csrfToken: string | undefined): Promise<AccessToken | null>;
  logout(session: SessionRef, ctx: RequestContext): Promise<void>;
  me(session: SessionRef): Promise<Me>;
  /** Resolves a presented access token to its live session, or null (bad token, revoked, expired, deactivated). */
  authenticate(token: string): Promise<AuthenticatedSession | null>;
}

/** RFC 5321's limit on an address: whatever is typed beyond it never reaches the audit trail. */
const MAX_EMAIL_LENGTH = 254;

/** An email as typed at sign-in, in the form operators are stored in (trimmed, lower-case), capped. */
const typedEmail = (typed: string): string => typed.trim().toLowerCase().slice(0, MAX_EMAIL_LENGTH);

type LoginOutcome =
  | { kind: 'ok'; session: Omit<IssuedSession, keyof AccessToken> }
  | { kind: 'refused' }
  | { kind: 'mfa_required' };

export function createAuthService(deps: AuthDeps): AuthService {
  const { db, audit, clock } = deps;
  const kit = createSessionKit(deps);
  const dummyHash = dummyPasswordHash();

  async function login(input: LoginInput, ctx: RequestContext): Promise<IssuedSession> {
    const now = clock.now();
    // One form for the lookup and the audit trail, so a failed attempt is recorded as what it was matched against.
    const email = typedEmail(input.email);
    const found = await repo.findOperatorByEmail(db, email);
    // Always one argon2 verification, so an unknown email costs the same time as a wrong password.
    const passwordOk = await verifyPassword(found?.password_hash ?? (await dummyHash()), input.password);

    if (!found || found.status !== 'active') {
      await withTransaction(db, (tx) =>
        audit.record(tx, {
          ...ctx,
          action: 'auth.login_failed',
          entityType: 'operator',
          entityId: found?.id ?? null,
          data: { email, reason: found ? 'deactivated' : 'unknown_email' },
        }),
      );
      throw invalidCredentials();
    }

    const outcome = await withTransaction(db, async (tx): Promise<LoginOutcome> => {
      const op = await repo.findOperatorById(tx, found.id, { forUpdate: true });
      if (!op) return { kind: 'refused' };
      if (isLocked(op.locked_until, now)) {
        await audit.record(tx, {
          ...ctx,
          action: 'auth.login_failed',
          entityType: 'operator',
          entityId: op.id,
          data: { reason: 'locked', lockedUntil: op.locked_until?.toISOString() },
        });
        return { kind: 'refused' };
      }
      if (!passwordOk) {
        await kit.recordFailure(tx, op, 'auth.login_failed', 'password', ctx);
        return { kind: 'refused' };
      }
      const enrolled = isMfaEnrolled(op);
      if (enrolled && op.mfa_secret_enc) {
        if (!input.totp) return { kind: 'mfa_required' };
        const step = verifyTotp(await kit.box.open(op.mfa_secret_enc, op.id), input.totp, now);
        const fresh = step !== null && (await repo.consumeTotpStep(tx, op.id, step));
        if (!fresh) {
          await kit.recordFailure(tx, op, 'auth.login_failed', step === null ? 'totp' : 'totp_replay', ctx);
          return { kind: 'refused' };
        }
      }
      await kit.resetFailures(tx, op);
      // A valid code at login is a fresh proof of possession: it opens the step-up window too.
      const session = await kit.openSession(tx, op, { mfaVerified: enrolled, stepUp: enrolled }, ctx);
      await audit.record(tx, {
        ...ctx,
        actorType: 'operator',
        actorId: op.id,
        action: 'auth.login',
        entityType: 'operator_session',
        entityId: session.sessionId,
        data: { mfaVerified: enrolled },
      });
      return { kind: 'ok', session };
    });

    if (outcome.kind === 'mfa_required')
      throw new AppError('MFA_REQUIRED', 'Enter the code from your authenticator app (field code).');
    if (outcome.kind === 'refused') throw invalidCredentials();
    const access = await kit.accessToken({
      operatorId: outcome.session.operator.id,
      sessionId: outcome.session.sessionId,
      sessionExpiresAt: outcome.session.sessionExpiresAt,
    });
    return { ...outcome.session, ...access };
  }

  async function liveSession(ref: Pick<SessionRef, 'operatorId' | 'sessionId'>) {
    const s = await repo.findSession(db, ref.sessionId);
    if (!s || s.operator_id !== ref.operatorId) return null;
    if (
      sessionRejection(
        { expiresAt: s.expires_at, revokedAt: s.revoked_at, operatorStatus: s.status },
        clock.now(),
      )
    )
      return null;
    return s;
  }

  return {
    login,
    ...createMfaUseCases(kit),

    async refresh(ref) {
      const s = await liveSession(ref);
      if (!s) throw new AppError('UNAUTHENTICATED', 'This session has ended: sign in again.');
      return kit.accessToken({ operatorId: s.operator_id, sessionId: s.id, sessionExpiresAt: s.expires_at });
    },

    async refreshWith(refreshToken, csrfToken) {
      const claims = await kit.tokens.verify(refreshToken, 'refresh');
      if (!claims || !csrfToken || !kit.csrf.matches(claims.sessionId, csrfToken)) return null;
      const s = await liveSession(claims);
      if (!s) return null;
      return kit.accessToken({ operatorId: s.operator_id, sessionId: s.id, sessionExpiresAt: s.expires_at });
    },

    async logout(ref, ctx) {
      await withTransaction(db, async (tx) => {
        await repo.revokeSession(tx, ref.sessionId, clock.now());
        await audit.record(tx, {
          ...ctx,
          action: 'auth.logout',
          entityType: 'operator_session',
          entityId: ref.sessionId,
        });
      });
    },

    async me(ref) {
      const op = await repo.findOperatorById(db, ref.operatorId);
      if (!op) throw new AppError('UNAUTHENTICATED', 'This operator no longer exists.');
      return {
        ...operatorView(op),
        permissions: permissionsOf(op.roles),
        session: {
          id: ref.sessionId,
          mfaVerified: ref.mfaVerified,
          stepUpUntil: ref.stepUpUntil,
          stepUpOpen: isStepUpOpen(ref.stepUpUntil, clock.now()),
        },
      };
    },

    async authenticate(token) {
      const claims = await kit.tokens.verify(token);
      if (!claims) return null;
      const s = await liveSession(claims);
      if (!s) return null;
      return {
        operatorId: s.operator_id,
        sessionId: s.id,
        roles: s.roles,
        mfaVerified: s.mfa_verified,
        stepUpUntil: s.step_up_until,
        sessionExpiresAt: s.expires_at,
        csrfToken: kit.csrf.forSession(s.id),
      };
    },
  };
}
