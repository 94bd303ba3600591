import type { AuditService } from '../audit/audit.service.js';
import type { AuditContext } from '../shared/request-context.js';
import type { Config } from '../config.js';
import type { Secrets } from '../config.js';
import type { Clock } from '../shared/clock.js';
import type { Db, Executor, Tx } from '../shared/db.js';
import { AppError } from '../shared/errors.js';
import { createCsrfTokens, createDataBox, type CsrfTokens, type DataBox } from './operators.crypto.js';
import { envKeyring, type Keyring } from '../shared/keyring.js';
import * as repo from './operators.repo.js';
import type { OperatorRow } from './operators.repo.js';
import { accessTokenExpiry, afterFailure, stepUpUntil } from './operators.rules.js';
import type { Role } from '../shared/roles.js';
import { createAccessTokens, type AccessTokens } from './operators.tokens.js';

/** What the auth and MFA use cases share: issuing sessions and tokens, and counting failures. */
export interface AuthDeps {
  db: Db;
  audit: AuditService;
  clock: Clock;
  secrets: Pick<Secrets, 'jwtKeys' | 'dataEncryptionKey'>;
  /** The running key ring (src/secrets); without one, the env keys only. */
  keyring?: Keyring;
  config: Pick<
    Config,
    'ACCESS_TOKEN_MINUTES' | 'SESSION_HOURS' | 'STEP_UP_MINUTES' | 'LOGIN_MAX_FAILURES' | 'LOGIN_LOCK_MINUTES'
  >;
}

/** Audit context plus what a new session records about the client. */
export type RequestContext = AuditContext & { userAgent?: string | null };

/** The caller's session, as the HTTP layer resolved it (a subset of http's Actor). */
export interface SessionRef {
  operatorId: string;
  sessionId: string;
  mfaVerified: boolean;
  stepUpUntil: Date | null;
}

export interface OperatorView {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  mfaEnrolled: boolean;
}

export interface AccessToken {
  token: string;
  expiresAt: Date;
  csrfToken: string;
  /** Buys the next access token while the session lasts (the console keeps it in an HttpOnly cookie). */
  refreshToken: string;
  /** When the session (and so the refresh token) ends. */
  refreshExpiresAt: Date;
}

export interface IssuedSession extends AccessToken {
  sessionId: string;
  sessionExpiresAt: Date;
  mfaVerified: boolean;
  stepUpUntil: Date | null;
  operator: OperatorView;
}

export const isMfaEnrolled = (op: Pick<OperatorRow, 'mfa_secret_enc' | 'mfa_enrolled_at'>) =>
  op.mfa_secret_enc !== null && op.mfa_enrolled_at !== null;

export function operatorView(op: OperatorRow): OperatorView {
  return { id: op.id, email: op.email, name: op.name, roles: op.roles, mfaEnrolled: isMfaEnrolled(op) };
}

export function invalidCredentials(): AppError {
  // Deliberately one answer for unknown email, wrong password, wrong or replayed code and a locked
  // account: which one it was is in the audit trail, not in the response.
  return new AppError(
    'INVALID_CREDENTIALS',
    'Email, password or authenticator code not accepted. After repeated failures the account is locked for a while.',
  );
}

export function rejectedCode(): AppError {
  return new AppError(
    'INVALID_TOTP',
    'That authenticator code was not accepted (wrong, expired or already used). Wait for the next code and try again.',
  );
}

export interface SessionKit {
  deps: AuthDeps;
  tokens: AccessTokens;
  csrf: CsrfTokens;
  box: DataBox;
  /** Opens a server-side session (inside the caller's transaction); sign its token after commit. */
  openSession(
    tx: Executor,
    op: OperatorRow,
    opts: { mfaVerified: boolean; stepUp: boolean },
    ctx: RequestContext,
  ): Promise<Omit<IssuedSession, keyof AccessToken>>;
  accessToken(session: {
    operatorId: string;
    sessionId: string;
    sessionExpiresAt: Date;
  }): Promise<AccessToken>;
  /** Counts one failed proof (password or code) toward the lockout and audits it; locks when the rule says so. */
  recordFailure(tx: Tx, op: OperatorRow, action: string, reason: string, ctx: AuditContext): Promise<void>;
  resetFailures(tx: Executor, op: OperatorRow): Promise<void>;
}

export function createSessionKit(deps: AuthDeps): SessionKit {
  const { audit, clock, config } = deps;
  const keyring = deps.keyring ?? envKeyring(deps.secrets);
  const tokens = createAccessTokens({ keyring, clock });
  // CSRF stays on the env key (the master), so rotating the ring's keys never breaks open sessions.
  const csrf = createCsrfTokens(deps.secrets.dataEncryptionKey);
  const box = createDataBox(keyring);

  return {
    deps,
    tokens,
    csrf,
    box,

    async openSession(tx, op, opts, ctx) {
      const now = clock.now();
      const until = opts.stepUp ? stepUpUntil(now, config.STEP_UP_MINUTES) : null;
      const session = await repo.insertSession(tx, {
        operatorId: op.id,
        expiresAt: new Date(now.getTime() + config.SESSION_HOURS * 3_600_000),
        mfaVerified: opts.mfaVerified,
        stepUpUntil: until,
        ip: ctx.ip ?? null,
        userAgent: ctx.userAgent ?? null,
      });
      return {
        sessionId: session.id,
        sessionExpiresAt: session.expiresAt,
        mfaVerified: opts.mfaVerified,
        stepUpUntil: until,
        operator: operatorView(op),
      };
    },

    async accessToken(s) {
      const expiresAt = accessTokenExpiry(clock.now(), config.ACCESS_TOKEN_MINUTES, s.sessionExpiresAt);
      const claims = { operatorId: s.operatorId, sessionId: s.sessionId };
      const token = await tokens.sign(claims, expiresAt);
      const refreshToken = await tokens.sign(claims, s.sessionExpiresAt, 'refresh');
      return {
        token,
        expiresAt,
        csrfToken: csrf.forSession(s.sessionId),
        refreshToken,
        refreshExpiresAt: s.sessionExpiresAt,
      };
    },

    async recordFailure(tx, op, action, reason, ctx) {
      const now = clock.now();
      const next = afterFailure(
        { failedLogins: op.failed_logins, lockedUntil: op.locked_until },
        { maxFailures: config.LOGIN_MAX_FAILURES, lockMinutes: config.LOGIN_LOCK_MINUTES },
        now,
      );
      await repo.saveLockoutState(tx, op.id, next);
      const base = { ...ctx, entityType: 'operator', entityId: op.id };
      await audit.record(tx, { ...base, action, data: { reason, failedLogins: next.failedLogins } });
      if (next.lockedNow) {
        await audit.record(tx, {
          ...base,
          action: 'auth.locked',
          data: {
            failedLogins: next.failedLogins,
            lockedUntil: next.lockedUntil?.toISOString(),
            lockMinutes: config.LOGIN_LOCK_MINUTES,
          },
        });
      }
    },

    async resetFailures(tx, op) {
      if (op.failed_logins > 0 || op.locked_until !== null)
        await repo.saveLockoutState(tx, op.id, { failedLogins: 0, lockedUntil: null });
    },
  };
}
