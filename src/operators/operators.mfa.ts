import { withTransaction, type Executor, type Tx } from '../shared/db.js';
import { AppError } from '../shared/errors.js';
import * as repo from './operators.repo.js';
import type { OperatorRow } from './operators.repo.js';
import { isLocked, isStepUpOpen, stepUpUntil } from './operators.rules.js';
import {
  isMfaEnrolled,
  rejectedCode,
  type AccessToken,
  type IssuedSession,
  type RequestContext,
  type SessionKit,
  type SessionRef,
} from './operators.sessions.js';
import { newTotpSecret, otpauthUrl, verifyTotp } from './operators.totp.js';

export interface MfaEnrolment {
  /** Base32, for typing into an authenticator app by hand. */
  secret: string;
  /** otpauth://totp/… for a QR code. */
  otpauthUrl: string;
}

export interface MfaUseCases {
  /** Starts (re-)enrolment with a new pending secret. Replacing an enrolled secret needs an open step-up window. */
  enrollMfa(session: SessionRef, ctx: RequestContext): Promise<MfaEnrolment>;
  /** Confirms the pending secret with a code; the caller gets a new, MFA-verified session in place of the old one. */
  verifyMfa(session: SessionRef, code: string, ctx: RequestContext): Promise<IssuedSession>;
  /** Opens the step-up window on the caller's session with a fresh code. */
  stepUp(session: SessionRef, code: string, ctx: RequestContext): Promise<{ stepUpUntil: Date }>;
  /**
   * The same proof as `stepUp` for a decision taken outside a console session (in Telegram): a fresh
   * code, spent once, failures counting toward the lockout. The short window it opens is returned to
   * the caller for that one decision, not stored on any session.
   */
  confirmCode(
    operatorId: string,
    code: string,
    ctx: RequestContext & { channel: string },
  ): Promise<{ stepUpUntil: Date }>;
}

/** How long a code confirmed outside a session authorises the decision it was given for. */
const CONFIRMED_CODE_SECONDS = 60;

type Checked = { ok: true } | { ok: false };

export function createMfaUseCases(kit: SessionKit): MfaUseCases {
  const { db, audit, clock, config } = kit.deps;

  /**
   * Verifies a code against a sealed secret and spends its time step. Wrong and replayed codes count
   * toward the same lockout as passwords: a stolen session must not be a TOTP guessing oracle.
   */
  async function spendCode(
    tx: Tx,
    op: OperatorRow,
    sealed: string,
    code: string,
    failureAction: string,
    ctx: RequestContext,
  ): Promise<Checked> {
    const step = verifyTotp(await kit.box.open(sealed, op.id), code, clock.now());
    const fresh = step !== null && (await repo.consumeTotpStep(tx, op.id, step));
    if (!fresh) {
      await kit.recordFailure(tx, op, failureAction, step === null ? 'totp' : 'totp_replay', ctx);
      return { ok: false };
    }
    await kit.resetFailures(tx, op);
    return { ok: true };
  }

  async function operatorForUpdate(tx: Executor, operatorId: string): Promise<OperatorRow> {
    const op = await repo.findOperatorById(tx, operatorId, { forUpdate: true });
    if (!op) throw new AppError('UNAUTHENTICATED', 'This operator no longer exists.');
    if (isLocked(op.locked_until, clock.now())) throw rejectedCode();
    return op;
  }

  return {
    async enrollMfa(ref, ctx) {
      const secret = newTotpSecret();
      const email = await withTransaction(db, async (tx) => {
        const op = await operatorForUpdate(tx, ref.operatorId);
        const reenrolment = isMfaEnrolled(op);
        if (reenrolment && !isStepUpOpen(ref.stepUpUntil, clock.now())) {
          throw new AppError(
            'STEP_UP_REQUIRED',
            'Replacing your authenticator needs a fresh code from the current one (POST /api/auth/step-up).',
          );
        }
        await repo.setPendingMfaSecret(tx, op.id, await kit.box.seal(secret, op.id));
        await audit.record(tx, {
          ...ctx,
          action: reenrolment ? 'auth.mfa_reenrolment_started' : 'auth.mfa_enrolment_started',
          entityType: 'operator',
          entityId: op.id,
        });
        return op.email;
      });
      return { secret, otpauthUrl: otpauthUrl(secret, email) };
    },

    async verifyMfa(ref, code, ctx) {
      const outcome = await withTransaction(db, async (tx) => {
        const op = await operatorForUpdate(tx, ref.operatorId);
        const pending = op.mfa_pending_secret_enc;
        if (!pending)
          throw new AppError(
            'CONFLICT',
            'There is no enrolment to confirm: start one with POST /api/auth/mfa/enroll.',
          );
        const checked = await spendCode(tx, op, pending, code, 'auth.mfa_verify_failed', ctx);
        if (!checked.ok) return null;
        const reenrolment = isMfaEnrolled(op);
        await repo.completeMfaEnrolment(tx, op.id, pending, clock.now());
        // A privilege change gets a new session id: the pre-MFA session (and its token) ends here.
        await repo.revokeSession(tx, ref.sessionId, clock.now());
        const enrolled = {
          ...op,
          mfa_secret_enc: pending,
          mfa_enrolled_at: clock.now(),
          mfa_pending_secret_enc: null,
        };
        const session = await kit.openSession(tx, enrolled, { mfaVerified: true, stepUp: true }, ctx);
        await audit.record(tx, {
          ...ctx,
          action: reenrolment ? 'auth.mfa_reenrolled' : 'auth.mfa_enrolled',
          entityType: 'operator',
          entityId: op.id,
          data: { sessionId: session.sessionId, previousSessionId: ref.sessionId },
        });
        return session;
      });
      if (!outcome) throw rejectedCode();
      const access: AccessToken = await kit.accessToken({
        operatorId: outcome.operator.id,
        sessionId: outcome.sessionId,
        sessionExpiresAt: outcome.sessionExpiresAt,
      });
      return { ...outcome, ...access };
    },

    async stepUp(ref, code, ctx) {
      const until = await withTransaction(db, async (tx) => {
        const op = await operatorForUpdate(tx, ref.operatorId);
        if (!op.mfa_secret_enc || !isMfaEnrolled(op))
          throw new AppError('MFA_ENROLMENT_REQUIRED', 'Enrol an authenticator app first.');
        const checked = await spendCode(tx, op, op.mfa_secret_enc, code, 'auth.step_up_failed', ctx);
        if (!checked.ok) return null;
        const next = stepUpUntil(clock.now(), config.STEP_UP_MINUTES);
        await repo.setStepUpUntil(tx, ref.sessionId, next);
        await audit.record(tx, {
          ...ctx,
          action: 'auth.step_up',
          entityType: 'operator_session',
          entityId: ref.sessionId,
          data: { stepUpUntil: next.toISOString() },
        });
        return next;
      });
      if (!until) throw rejectedCode();
      return { stepUpUntil: until };
    },

    async confirmCode(operatorId, code, ctx) {
      const { channel, ...audited } = ctx;
      const until = await withTransaction(db, async (tx) => {
        const op = await operatorForUpdate(tx, operatorId);
        if (op.status !== 'active') throw new AppError('FORBIDDEN', 'This operator is deactivated.');
        if (!op.mfa_secret_enc || !isMfaEnrolled(op))
          throw new AppError(
            'MFA_ENROLMENT_REQUIRED',
            'Enrol an authenticator app in the ops console first.',
          );
        const checked = await spendCode(tx, op, op.mfa_secret_enc, code, 'auth.step_up_failed', audited);
        if (!checked.ok) return null;
        const next = new Date(clock.now().getTime() + CONFIRMED_CODE_SECONDS * 1000);
        await audit.record(tx, {
          ...audited,
          action: 'auth.step_up',
          entityType: 'operator',
          entityId: op.id,
          data: { channel, stepUpUntil: next.toISOString() },
        });
        return next;
      });
      if (!until) throw rejectedCode();
      return { stepUpUntil: until };
    },
  };
}
