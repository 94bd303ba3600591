import { createHmac, hkdfSync, randomInt } from 'node:crypto';
import type { AuditContext } from '../shared/request-context.js';
import { withTransaction } from '../shared/db.js';
import { AppError, type FieldError } from '../shared/errors.js';
import { hashPassword, verifyPassword } from './operators.crypto.js';
import * as repo from './operators.repo.js';
import { isLocked, passwordProblems } from './operators.rules.js';
import {
  createSessionKit,
  type AuthDeps,
  type RequestContext,
  type SessionRef,
} from './operators.sessions.js';
import type { Role } from '../shared/roles.js';

/**
 * The signed-in operator's own account: changing the password, and the one-time code that links a
 * Telegram account (`/link CODE` to the bot, which calls `consumeTelegramLinkCode`).
 */

/** No 0/O, 1/I/L: a code read off a screen and typed into a phone should not be ambiguous. */
export const LINK_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const LINK_CODE_LENGTH = 8;
const LINK_CODE_TTL_MINUTES = 10;

export interface PasswordChange {
  currentPassword: string;
  newPassword: string;
}

export interface TelegramLinkCode {
  /** Shown once; only its keyed hash is stored. */
  code: string;
  expiresAt: Date;
}

export interface TelegramLinkStatus {
  linked: boolean;
  /** When the operator's unused code (if any) expires. */
  pendingCodeExpiresAt: Date | null;
}

export interface LinkedOperator {
  operatorId: string;
  name: string;
  email: string;
  telegramUserId: string;
}

export interface AccountService {
  /**
   * Verifies the current password (a wrong one counts toward the lockout, like a failed sign-in),
   * applies the password policy, stores the new hash and revokes every other session of the operator.
   */
  changePassword(
    session: SessionRef,
    input: PasswordChange,
    ctx: RequestContext,
  ): Promise<{ sessionsRevoked: number }>;
  /** A new one-time code, valid LINK_CODE_TTL_MINUTES; it replaces the operator's unused previous one. */
  issueTelegramLinkCode(operatorId: string, ctx: AuditContext): Promise<TelegramLinkCode>;
  telegramLinkStatus(operatorId: string): Promise<TelegramLinkStatus>;
  /**
   * Binds `telegramUserId` to the operator who was issued `code`, once. Unknown, used or expired codes,
   * a deactivated operator and a Telegram account already linked to someone else are refused with an
   * AppError whose `detail` can be shown to the person in the chat as is.
   */
  consumeTelegramLinkCode(
    code: string,
    telegramUserId: string | number | bigint,
    ctx?: Partial<AuditContext>,
  ): Promise<LinkedOperator>;
  /** The active operator this Telegram account is linked to, if any (the bot's notion of "who is this"). */
  operatorByTelegramId(
    telegramUserId: string | number,
  ): Promise<(LinkedOperator & { roles: Role[] }) | undefined>;
  /** The operator's linked Telegram account, if any (where the bot delivers their notifications). */
  telegramIdOf(operatorId: string): Promise<string | null>;
  /** Unbinds whichever operator this Telegram account is linked to (audited); null when none was. */
  unlinkTelegram(
    telegramUserId: string | number,
    ctx?: Partial<AuditContext>,
  ): Promise<LinkedOperator | null>;
}

/** Upper-cases and drops spaces and dashes, so `abcd-efgh` and `ABCD EFGH` are the same code. */
export function normaliseLinkCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]+/g, '');
}

export function newLinkCode(): string {
  let code = '';
  for (let i = 0; i < LINK_CODE_LENGTH; i++) code += LINK_CODE_ALPHABET[randomInt(LINK_CODE_ALPHABET.length)];
  return code;
}

const LINK_CODE_SHAPE = new RegExp(`^[${LINK_CODE_ALPHABET}]{${LINK_CODE_LENGTH}}$`);

function invalidLinkCode(): AppError {
  return new AppError(
    'NOT_FOUND',
    'That link code is not valid (mistyped, or already used). Get a new code in the ops console under My account, then send /link CODE within 10 minutes.',
  );
}

function wrongCurrentPassword(): FieldError {
  return { path: 'currentPassword', message: 'is not your current password' };
}

export function createAccountService(deps: AuthDeps): AccountService {
  const { db, audit, clock } = deps;
  const kit = createSessionKit(deps);
  // A keyed hash: 8 characters of a 31-letter alphabet are ~40 bits, too few to survive a plain
  // SHA-256 in a leaked database; without the key the stored hashes are useless.
  const linkKey = Buffer.from(
    hkdfSync('sha256', deps.secrets.dataEncryptionKey, Buffer.alloc(0), 'usdt-desk/telegram-link/v1', 32),
  );
  const codeHash = (code: string) => createHmac('sha256', linkKey).update(code).digest('hex');

  return {
    async changePassword(ref, input, ctx) {
      const op = await repo.findOperatorById(db, ref.operatorId);
      if (!op || op.status !== 'active')
        throw new AppError('UNAUTHENTICATED', 'This operator can no longer sign in.');
      const problems: FieldError[] = passwordProblems(input.newPassword, { email: op.email }).map((p) => ({
        ...p,
        path: 'newPassword',
      }));
      if (input.newPassword === input.currentPassword)
        problems.push({ path: 'newPassword', message: 'must differ from your current password' });

      // Always one argon2 verification; a locked account is refused like a wrong password.
      const currentOk =
        (await verifyPassword(op.password_hash, input.currentPassword)) &&
        !isLocked(op.locked_until, clock.now());
      if (!currentOk) {
        await withTransaction(db, async (tx) => {
          const locked = await repo.findOperatorById(tx, op.id, { forUpdate: true });
          if (locked) await kit.recordFailure(tx, locked, 'operator.password_change_failed', 'password', ctx);
        });
        throw new AppError(
          'VALIDATION_FAILED',
          'Your current password is not correct. Repeated failures lock the account for a while.',
          [wrongCurrentPassword(), ...problems],
        );
      }
      if (problems.length > 0)
        throw new AppError(
          'VALIDATION_FAILED',
          `The new password ${problems.map((p) => p.message).join('; ')}.`,
          problems,
        );

      const passwordHash = await hashPassword(input.newPassword);
      return withTransaction(db, async (tx) => {
        const locked = await repo.findOperatorById(tx, op.id, { forUpdate: true });
        if (!locked || locked.password_hash !== op.password_hash)
          throw new AppError(
            'CONFLICT',
            'Your password was changed meanwhile (another session?). Reload and try again.',
          );
        const now = clock.now();
        // No version bump: an operator's version is what operator.role requests are approved against.
        await tx
          .updateTable('operators')
          .set({ password_hash: passwordHash, updated_at: now })
          .where('id', '=', op.id)
          .execute();
        await kit.resetFailures(tx, locked);
        const revoked = await tx
          .updateTable('operator_sessions')
          .set({ revoked_at: now })
          .where('operator_id', '=', op.id)
          .where('id', '!=', ref.sessionId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        const sessionsRevoked = Number(revoked.numUpdatedRows);
        await audit.record(tx, {
          ...ctx,
          action: 'operator.password_changed',
          entityType: 'operator',
          entityId: op.id,
          data: { sessionsRevoked, keptSessionId: ref.sessionId },
        });
        return { sessionsRevoked };
      });
    },

    async issueTelegramLinkCode(operatorId, ctx) {
      const code = newLinkCode();
      const expiresAt = new Date(clock.now().getTime() + LINK_CODE_TTL_MINUTES * 60_000);
      await withTransaction(db, async (tx) => {
        // The operator row lock serialises two clicks: exactly one unused code survives.
        const op = await repo.findOperatorById(tx, operatorId, { forUpdate: true });
        if (!op || op.status !== 'active')
          throw new AppError('UNAUTHENTICATED', 'This operator can no longer sign in.');
        const replaced = await tx
          .deleteFrom('operator_telegram_links')
          .where('operator_id', '=', op.id)
          .where('used_at', 'is', null)
          .executeTakeFirst();
        await tx
          .insertInto('operator_telegram_links')
          .values({
            operator_id: op.id,
            code_hash: codeHash(code),
            expires_at: expiresAt,
            used_at: null,
            telegram_user_id: null,
          })
          .execute();
        await audit.record(tx, {
          ...ctx,
          action: 'operator.telegram_link_code_issued',
          entityType: 'operator',
          entityId: op.id,
          data: {
            expiresAt: expiresAt.toISOString(),
            replacedUnusedCode: Number(replaced.numDeletedRows) > 0,
            alreadyLinked: op.telegram_user_id !== null,
          },
        });
      });
      return { code, expiresAt };
    },

    async telegramLinkStatus(operatorId) {
      const op = await repo.findOperatorById(db, operatorId);
      if (!op) throw new AppError('UNAUTHENTICATED', 'This operator no longer exists.');
      const pending = await db
        .selectFrom('operator_telegram_links')
        .select('expires_at')
        .where('operator_id', '=', operatorId)
        .where('used_at', 'is', null)
        .where('expires_at', '>', clock.now())
        .executeTakeFirst();
      return { linked: op.telegram_user_id !== null, pendingCodeExpiresAt: pending?.expires_at ?? null };
    },

    async consumeTelegramLinkCode(rawCode, rawTelegramUserId, ctx = {}) {
      const telegramUserId = String(rawTelegramUserId);
      if (!/^[1-9]\d{0,18}$/.test(telegramUserId))
        throw new AppError('VALIDATION_FAILED', 'That is not a Telegram user id.', [
          { path: 'telegramUserId', message: 'must be a positive integer' },
        ]);
      const code = normaliseLinkCode(rawCode);
      if (!LINK_CODE_SHAPE.test(code)) throw invalidLinkCode();

      return withTransaction(db, async (tx) => {
        const link = await tx
          .selectFrom('operator_telegram_links')
          .selectAll()
          .where('code_hash', '=', codeHash(code))
          .forUpdate()
          .executeTakeFirst();
        if (!link || link.used_at !== null) throw invalidLinkCode();
        const now = clock.now();
        if (link.expires_at <= now)
          throw new AppError(
            'EXPIRED',
            `That link code expired (codes are valid ${LINK_CODE_TTL_MINUTES} minutes). Get a new one in the ops console under My account.`,
          );
        const op = await repo.findOperatorById(tx, link.operator_id, { forUpdate: true });
        if (!op || op.status !== 'active')
          throw new AppError('FORBIDDEN', 'The operator this code was issued to is deactivated.');
        const other = await tx
          .selectFrom('operators')
          .select('id')
          .where('telegram_user_id', '=', telegramUserId)
          .where('id', '!=', op.id)
          .executeTakeFirst();
        if (other)
          throw new AppError(
            'ALREADY_EXISTS',
            'This Telegram account is already linked to another operator. Unlink it there first (/unlink).',
          );

        await tx
          .updateTable('operators')
          .set({ telegram_user_id: telegramUserId, updated_at: now })
          .where('id', '=', op.id)
          .execute();
        await tx
          .updateTable('operator_telegram_links')
          .set({ used_at: now, telegram_user_id: telegramUserId })
          .where('id', '=', link.id)
          .execute();
        await audit.record(tx, {
          actorType: ctx.actorType ?? 'operator',
          actorId: ctx.actorId ?? op.id,
          requestId: ctx.requestId ?? null,
          ip: ctx.ip ?? null,
          action: 'operator.telegram_linked',
          entityType: 'operator',
          entityId: op.id,
          data: { telegramUserId, previousTelegramUserId: op.telegram_user_id },
        });
        return { operatorId: op.id, name: op.name, email: op.email, telegramUserId };
      });
    },

    async operatorByTelegramId(rawTelegramUserId) {
      const telegramUserId = String(rawTelegramUserId);
      if (!/^[1-9]\d{0,18}$/.test(telegramUserId)) return undefined;
      const op = await db
        .selectFrom('operators')
        .select(['id', 'name', 'email', 'roles'])
        .where('telegram_user_id', '=', telegramUserId)
        .where('status', '=', 'active')
        .executeTakeFirst();
      return op && { operatorId: op.id, name: op.name, email: op.email, roles: op.roles, telegramUserId };
    },

    async telegramIdOf(operatorId) {
      const op = await repo.findOperatorById(db, operatorId);
      return op && op.status === 'active' ? op.telegram_user_id : null;
    },

    async unlinkTelegram(rawTelegramUserId, ctx = {}) {
      const telegramUserId = String(rawTelegramUserId);
      if (!/^[1-9]\d{0,18}$/.test(telegramUserId)) return null;
      return withTransaction(db, async (tx) => {
        const op = await tx
          .selectFrom('operators')
          .selectAll()
          .where('telegram_user_id', '=', telegramUserId)
          .forUpdate()
          .executeTakeFirst();
        if (!op) return null;
        // No version bump: the Telegram link is not what operator.role requests are approved against.
        await tx
          .updateTable('operators')
          .set({ telegram_user_id: null, updated_at: clock.now() })
          .where('id', '=', op.id)
          .execute();
        await audit.record(tx, {
          actorType: ctx.actorType ?? 'operator',
          actorId: ctx.actorId ?? op.id,
          requestId: ctx.requestId ?? null,
          ip: ctx.ip ?? null,
          action: 'operator.telegram_unlinked',
          entityType: 'operator',
          entityId: op.id,
          data: { telegramUserId },
        });
        return { operatorId: op.id, name: op.name, email: op.email, telegramUserId };
      });
    },
  };
}
