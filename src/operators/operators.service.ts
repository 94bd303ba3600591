import { sql } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { AuditContext } from '../shared/request-context.js';
import type { Config } from '../config.js';
import type { Clock } from '../shared/clock.js';
import { withTransaction, type Db, type Executor, type Tx } from '../shared/db.js';
import { AppError } from '../shared/errors.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import { createBootstrap, type Bootstrap, type RoleGrantMode } from './operators.bootstrap.js';
import { hashPassword, randomToken, sha256Hex } from './operators.crypto.js';
import {
  hasPendingInvitationOnly,
  invitationStates,
  issueInvitation,
  markInvitationUsed,
  usableInvitation,
  type Invitation,
  type InvitationDeps,
  type InvitationState,
} from './operators.invitations.js';
import * as repo from './operators.repo.js';
import { isRole, operatorProblems, passwordProblems } from './operators.rules.js';
import type { OperatorView } from './operators.sessions.js';
import type { Role } from '../shared/roles.js';

/**
 * A new operator: identity and (optionally) roles, never a password. The person sets their own through
 * the invitation returned once. Roles are granted directly only during the bootstrap, or break-glass.
 */
export interface NewOperator {
  email: string;
  name: string;
  roles: readonly string[];
  /** Grants `roles` after the bootstrap: audited, told to every admin, and reviewed afterwards. */
  breakGlassReason?: string;
}

export interface CreatedOperator {
  operator: OperatorView;
  invitation: Invitation;
  /** How the roles were granted: `none` when none were asked for. */
  grant: 'none' | 'bootstrap' | 'break-glass';
  /** The post-hoc review a break-glass grant opened. */
  reviewId: string | null;
}

export interface AcceptInvitationInput {
  token: string;
  password: string;
}

export interface OperatorListItem {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  status: 'active' | 'deactivated';
  mfaEnrolled: boolean;
  telegramLinked: boolean;
  /** Null for someone never invited (the setup admin). */
  invitation: InvitationState | null;
  createdAt: Date;
}

export interface SetupInput {
  token: string;
  email: string;
  name: string;
  password: string;
}

export interface OperatorsService {
  /**
   * Creates an operator (from the CLI, or an admin); audited as `operator.created` with the caller's
   * context. `andThen` runs in the same transaction (the API files role requests there).
   */
  createOperator(input: NewOperator, ctx: AuditContext): Promise<CreatedOperator>;
  /** A new link for an operator who has not accepted theirs yet (the unused previous one stops working). */
  reissueInvitation(operatorId: string, ctx: AuditContext): Promise<Invitation>;
  /** What the invitation page shows before the person chooses a password. */
  viewInvitation(token: string): Promise<{ email: string; name: string; roles: Role[]; expiresAt: Date }>;
  /** Sets the invited person's own password, once; they then sign in and enrol their own MFA. */
  acceptInvitation(input: AcceptInvitationInput, ctx: AuditContext): Promise<OperatorView>;
  bootstrap: Bootstrap;
  /** Immediate (the safe direction): the operator can no longer sign in and every session is revoked. */
  deactivate(id: string, ctx: AuditContext): Promise<void>;
  listOperators(): Promise<OperatorListItem[]>;
  /**
   * First run: while no operator exists, makes a one-time setup token (SETUP_TOKEN if configured) and
   * returns the URL to print; null once the desk has an operator.
   */
  ensureSetupToken(): Promise<string | null>;
  /** Creates the first platform_admin with a setup token; the token is spent in the same transaction. */
  completeSetup(input: SetupInput, ctx: AuditContext): Promise<OperatorView>;
}

export interface OperatorsDeps {
  db: Db;
  audit: AuditService;
  clock: Clock;
  config: Pick<Config, 'SETUP_TOKEN' | 'PUBLIC_URL' | 'HOST' | 'PORT' | 'INVITATION_TTL_HOURS'>;
  notifications: Pick<NotificationsService, 'enqueue'>;
  /** When the first change request was decided (ends the bootstrap), from the approvals engine. */
  firstDecisionAt: (ex: Executor) => Promise<Date | null>;
}

const SETUP_LOCK = 'usdt-desk:setup';

export function createOperatorsService(deps: OperatorsDeps): OperatorsService {
  const { db, audit, clock, config } = deps;
  const bootstrap = createBootstrap(deps);
  const invitations: InvitationDeps = {
    audit,
    clock,
    ttlHours: config.INVITATION_TTL_HOURS,
    baseUrl: () => baseUrl(),
  };

  /** Validates and hashes outside any transaction: argon2 should not hold row locks. */
  async function prepare(input: { email: string; name: string; roles: readonly string[]; password: string }) {
    const email = input.email.trim().toLowerCase();
    const name = input.name.trim();
    const problems = [
      ...operatorProblems({ email, name, roles: input.roles }, { requireRole: false }),
      ...passwordProblems(input.password, { email }),
    ];
    if (problems.length > 0)
      throw new AppError(
        'VALIDATION_FAILED',
        `The operator is invalid: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
        problems,
      );
    const roles = [...new Set(input.roles.filter(isRole))];
    return { email, name, roles, passwordHash: await hashPassword(input.password) };
  }

  async function insert(tx: Tx, row: repo.NewOperatorRow, ctx: AuditContext): Promise<OperatorView> {
    const id = await repo.insertOperator(tx, row);
    if (!id)
      throw new AppError('ALREADY_EXISTS', `An operator with email ${row.email} already exists.`, [
        { path: 'email', message: 'is already taken' },
      ]);
    await audit.record(tx, {
      ...ctx,
      action: 'operator.created',
      entityType: 'operator',
      entityId: id,
      data: { email: row.email, name: row.name, roles: row.roles },
    });
    return { id, email: row.email, name: row.name, roles: row.roles, mfaEnrolled: false };
  }

  function baseUrl(): string {
    const loopback = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
    return (
      config.PUBLIC_URL ?? `http://${loopback.includes(':') ? `[${loopback}]` : loopback}:${config.PORT}`
    ).replace(/\/+$/, '');
  }

  function setupUrl(token: string): string {
    return `${baseUrl()}/setup?token=${encodeURIComponent(token)}`;
  }

  return {
    bootstrap,

    async createOperator(input, ctx) {
      // Nobody knows this password: the account cannot be signed in until the invitation is accepted.
      const row = await prepare({ ...input, password: randomToken(32) });
      return withTransaction(db, async (tx) => {
        const grant: RoleGrantMode | null =
          row.roles.length > 0 ? await bootstrap.grantMode(tx, input.breakGlassReason) : null;
        const operator = await insert(tx, row, ctx);
        const { reviewId } = grant
          ? await bootstrap.recordDirectGrant(tx, grant, operator, row.roles, ctx)
          : { reviewId: null };
        const invitation = await issueInvitation(tx, invitations, operator.id, ctx);
        return { operator, invitation, grant: grant?.mode ?? 'none', reviewId };
      });
    },

    async reissueInvitation(operatorId, ctx) {
      return withTransaction(db, async (tx) => {
        const op = /^[0-9a-f-]{36}$/i.test(operatorId)
          ? await repo.findOperatorById(tx, operatorId, { forUpdate: true })
          : undefined;
        if (!op || op.status !== 'active')
          throw new AppError('NOT_FOUND', `Operator ${operatorId} was not found.`);
        if (!(await hasPendingInvitationOnly(tx, op.id)))
          throw new AppError(
            'INVITATION_USED',
            `${op.email} has already set their own password: there is nothing to invite them to.`,
          );
        return issueInvitation(tx, invitations, op.id, ctx);
      });
    },

    async viewInvitation(token) {
      const inv = await usableInvitation(db, token, clock.now());
      return { email: inv.email, name: inv.name, roles: inv.roles, expiresAt: inv.expires_at };
    },

    async acceptInvitation(input, ctx) {
      const seen = await usableInvitation(db, input.token, clock.now());
      const problems = passwordProblems(input.password, { email: seen.email });
      if (problems.length > 0)
        throw new AppError(
          'VALIDATION_FAILED',
          `The password ${problems.map((p) => p.message).join('; ')}.`,
          problems,
        );
      const passwordHash = await hashPassword(input.password);
      return withTransaction(db, async (tx) => {
        const inv = await usableInvitation(tx, input.token, clock.now(), { forUpdate: true });
        const now = clock.now();
        await markInvitationUsed(tx, inv.id, now);
        // No version bump: an operator's version is what operator.role requests are approved against.
        await tx
          .updateTable('operators')
          .set({ password_hash: passwordHash, failed_logins: 0, locked_until: null, updated_at: now })
          .where('id', '=', inv.operator_id)
          .execute();
        await audit.record(tx, {
          ...ctx,
          actorType: ctx.actorType,
          actorId: inv.operator_id,
          action: 'operator.invitation_accepted',
          entityType: 'operator',
          entityId: inv.operator_id,
          data: { invitationId: inv.id },
        });
        return {
          id: inv.operator_id,
          email: inv.email,
          name: inv.name,
          roles: inv.roles,
          mfaEnrolled: false,
        };
      });
    },

    async deactivate(id, ctx) {
      await withTransaction(db, async (tx) => {
        const op = /^[0-9a-f-]{36}$/i.test(id)
          ? await repo.findOperatorById(tx, id, { forUpdate: true })
          : undefined;
        if (!op) throw new AppError('NOT_FOUND', `Operator ${id} was not found.`);
        if (op.id === ctx.actorId)
          throw new AppError(
            'VALIDATION_FAILED',
            'You cannot deactivate yourself: ask another platform_admin.',
            [{ path: 'id', message: 'is you' }],
          );
        if (op.status === 'deactivated')
          throw new AppError('ALREADY_DECIDED', `${op.email} is already deactivated.`);
        const now = clock.now();
        await tx
          .updateTable('operators')
          .set({ status: 'deactivated', version: sql`version + 1`, updated_at: now })
          .where('id', '=', op.id)
          .execute();
        const revoked = await tx
          .updateTable('operator_sessions')
          .set({ revoked_at: now })
          .where('operator_id', '=', op.id)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        await audit.record(tx, {
          ...ctx,
          action: 'operator.deactivated',
          entityType: 'operator',
          entityId: op.id,
          data: { email: op.email, sessionsRevoked: Number(revoked.numUpdatedRows) },
        });
      });
    },

    async listOperators() {
      const rows = await repo.listOperators(db);
      const invited = await invitationStates(db, clock.now());
      return rows.map((r) => ({
        id: r.id,
        email: r.email,
        name: r.name,
        roles: r.roles,
        status: r.status,
        mfaEnrolled: r.mfa_enrolled_at !== null,
        telegramLinked: r.telegram_user_id !== null,
        invitation: invited.get(r.id) ?? null,
        createdAt: r.created_at,
      }));
    },

    async ensureSetupToken() {
      if (await repo.anyOperatorExists(db)) return null;
      const token = config.SETUP_TOKEN ?? randomToken(32);
      await repo.insertSetupToken(db, sha256Hex(token));
      return setupUrl(token);
    },

    async completeSetup(input, ctx) {
      const setupDone = () =>
        new AppError(
          'SETUP_ALREADY_DONE',
          'The desk is already set up: sign in, or ask a platform_admin for an account.',
        );
      if (await repo.anyOperatorExists(db)) throw setupDone();
      const row = await prepare({ ...input, roles: ['platform_admin'] });
      return withTransaction(db, async (tx) => {
        // Serialises concurrent setups: exactly one first operator, whichever token each used.
        await sql`select pg_advisory_xact_lock(hashtext(${SETUP_LOCK}))`.execute(tx);
        if (await repo.anyOperatorExists(tx)) throw setupDone();
        const spent = await repo.consumeSetupToken(tx, sha256Hex(input.token), clock.now());
        if (spent === 'used') throw setupDone();
        if (spent === 'unknown')
          throw new AppError(
            'INVALID_CREDENTIALS',
            'This setup link is not valid: use the URL the desk printed at start.',
          );
        await repo.retireSetupTokens(tx, clock.now());
        const operator = await insert(tx, row, ctx);
        await audit.record(tx, {
          ...ctx,
          action: 'setup.completed',
          entityType: 'operator',
          entityId: operator.id,
          data: { email: operator.email },
        });
        return operator;
      });
    },
  };
}
