import { sql } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { AuditContext } from '../shared/request-context.js';
import type { Config } from '../config.js';
import type { Clock } from '../shared/clock.js';
import { withTransaction, type Db, type Tx } from '../shared/db.js';
import { AppError } from '../shared/errors.js';
import { hashPassword, randomToken, sha256Hex } from './operators.crypto.js';
import * as repo from './operators.repo.js';
import { isRole, operatorProblems, passwordProblems } from './operators.rules.js';
import type { OperatorView } from './operators.sessions.js';
import type { Role } from '../shared/roles.js';

export interface NewOperator {
  email: string;
  name: string;
  roles: readonly string[];
  password: string;
  /** False only for the API path, where roles are granted afterwards through `operator.role` requests. */
  requireRole?: boolean;
}

export interface OperatorListItem {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  status: 'active' | 'deactivated';
  mfaEnrolled: boolean;
  telegramLinked: boolean;
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
  createOperator(
    input: NewOperator,
    ctx: AuditContext,
    andThen?: (tx: Tx, operator: OperatorView) => Promise<void>,
  ): Promise<OperatorView>;
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
  config: Pick<Config, 'SETUP_TOKEN' | 'PUBLIC_URL' | 'HOST' | 'PORT'>;
}

const SETUP_LOCK = 'usdt-desk:setup';

export function createOperatorsService(deps: OperatorsDeps): OperatorsService {
  const { db, audit, clock, config } = deps;

  /** Validates and hashes outside any transaction: argon2 should not hold row locks. */
  async function prepare(input: NewOperator) {
    const email = input.email.trim().toLowerCase();
    const name = input.name.trim();
    const problems = [
      ...operatorProblems({ email, name, roles: input.roles }, { requireRole: input.requireRole }),
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

  function setupUrl(token: string): string {
    const loopback = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
    const base = (
      config.PUBLIC_URL ?? `http://${loopback.includes(':') ? `[${loopback}]` : loopback}:${config.PORT}`
    ).replace(/\/+$/, '');
    return `${base}/setup?token=${encodeURIComponent(token)}`;
  }

  return {
    async createOperator(input, ctx, andThen) {
      const row = await prepare(input);
      return withTransaction(db, async (tx) => {
        const operator = await insert(tx, row, ctx);
        await andThen?.(tx, operator);
        return operator;
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
      return rows.map((r) => ({
        id: r.id,
        email: r.email,
        name: r.name,
        roles: r.roles,
        status: r.status,
        mfaEnrolled: r.mfa_enrolled_at !== null,
        telegramLinked: r.telegram_user_id !== null,
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
