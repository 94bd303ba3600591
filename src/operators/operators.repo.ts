import { sql, type Selectable } from 'kysely';
import type { Executor } from '../shared/db.js';
import type { OperatorsTable } from './operators.tables.js';
import type { Role } from '../shared/roles.js';
import type { LockoutState } from './operators.rules.js';

/** Every query on the operators tables. Only the operators services call these. */
export type OperatorRow = Selectable<OperatorsTable>;

export interface NewOperatorRow {
  email: string;
  name: string;
  passwordHash: string;
  roles: Role[];
}

export async function findOperatorByEmail(db: Executor, email: string): Promise<OperatorRow | undefined> {
  return db.selectFrom('operators').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function findOperatorById(
  db: Executor,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<OperatorRow | undefined> {
  const query = db.selectFrom('operators').selectAll().where('id', '=', id);
  return (opts.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

/** The new operator's id, or null when the email is taken (no exception, so the transaction stays usable). */
export async function insertOperator(db: Executor, row: NewOperatorRow): Promise<string | null> {
  const inserted = await db
    .insertInto('operators')
    .values({
      email: row.email,
      name: row.name,
      password_hash: row.passwordHash,
      roles: row.roles,
      mfa_secret_enc: null,
      mfa_enrolled_at: null,
      mfa_pending_secret_enc: null,
      locked_until: null,
      telegram_user_id: null,
    })
    .onConflict((oc) => oc.column('email').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted?.id ?? null;
}

export async function listOperators(db: Executor) {
  return db
    .selectFrom('operators')
    .select(['id', 'email', 'name', 'roles', 'status', 'mfa_enrolled_at', 'telegram_user_id', 'created_at'])
    .orderBy('created_at')
    .orderBy('email')
    .execute();
}

export async function anyOperatorExists(db: Executor): Promise<boolean> {
  const row = await db.selectFrom('operators').select('id').limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function saveLockoutState(db: Executor, id: string, state: LockoutState): Promise<void> {
  await db
    .updateTable('operators')
    .set({ failed_logins: state.failedLogins, locked_until: state.lockedUntil, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

export async function setPendingMfaSecret(db: Executor, id: string, sealed: string): Promise<void> {
  await db
    .updateTable('operators')
    .set({ mfa_pending_secret_enc: sealed, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

export async function completeMfaEnrolment(
  db: Executor,
  id: string,
  sealed: string,
  at: Date,
): Promise<void> {
  await db
    .updateTable('operators')
    .set({
      mfa_secret_enc: sealed,
      mfa_pending_secret_enc: null,
      mfa_enrolled_at: at,
      version: sql<number>`version + 1`,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .execute();
}

/**
 * Records a TOTP step as used; false when it, or any later step, already was (RFC 6238 §5.2): once a
 * code is accepted, no code of that step or an earlier one (still inside the ±1 window) works again.
 * One statement, `on conflict do nothing` rather than catching the unique violation (which would abort
 * the surrounding transaction). Callers hold the operator row FOR UPDATE, so two codes of the same
 * operator are never checked at once.
 */
export async function consumeTotpStep(db: Executor, operatorId: string, step: number): Promise<boolean> {
  const inserted = await db
    .insertInto('operator_totp_used')
    .columns(['operator_id', 'step'])
    .expression(
      db
        .selectNoFrom([
          sql<string>`${operatorId}::uuid`.as('operator_id'),
          sql<string>`${String(step)}::bigint`.as('step'),
        ])
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('operator_totp_used')
                .select('step')
                .where('operator_id', '=', operatorId)
                .where('step', '>=', String(step)),
            ),
          ),
        ),
    )
    .onConflict((oc) => oc.columns(['operator_id', 'step']).doNothing())
    .returning('step')
    .executeTakeFirst();
  // Steps older than any acceptance window can never match again; keep the table small (the latest stays).
  await db
    .deleteFrom('operator_totp_used')
    .where('operator_id', '=', operatorId)
    .where('step', '<', String(step - 10))
    .execute();
  return inserted !== undefined;
}

export interface NewSession {
  operatorId: string;
  expiresAt: Date;
  mfaVerified: boolean;
  stepUpUntil: Date | null;
  ip: string | null;
  userAgent: string | null;
}

export async function insertSession(db: Executor, s: NewSession): Promise<{ id: string; expiresAt: Date }> {
  const row = await db
    .insertInto('operator_sessions')
    .values({
      operator_id: s.operatorId,
      expires_at: s.expiresAt,
      mfa_verified: s.mfaVerified,
      step_up_until: s.stepUpUntil,
      revoked_at: null,
      ip: s.ip,
      user_agent: s.userAgent?.slice(0, 500) ?? null,
    })
    .returning(['id', 'expires_at'])
    .executeTakeFirstOrThrow();
  return { id: row.id, expiresAt: row.expires_at };
}

export async function findSession(db: Executor, sessionId: string) {
  return db
    .selectFrom('operator_sessions as s')
    .innerJoin('operators as o', 'o.id', 's.operator_id')
    .select([
      's.id',
      's.operator_id',
      's.expires_at',
      's.revoked_at',
      's.mfa_verified',
      's.step_up_until',
      'o.status',
      'o.roles',
    ])
    .where('s.id', '=', sessionId)
    .executeTakeFirst();
}

export async function revokeSession(db: Executor, sessionId: string, at: Date): Promise<void> {
  await db
    .updateTable('operator_sessions')
    .set({ revoked_at: at })
    .where('id', '=', sessionId)
    .where('revoked_at', 'is', null)
    .execute();
}

export async function setStepUpUntil(db: Executor, sessionId: string, until: Date): Promise<void> {
  await db
    .updateTable('operator_sessions')
    .set({ step_up_until: until })
    .where('id', '=', sessionId)
    .execute();
}

/**
 * Every unused token stays valid until the first operator exists: several API nodes may start at
 * once and each prints its own URL. Only hashes are stored.
 */
export async function insertSetupToken(db: Executor, tokenHash: string): Promise<void> {
  await db
    .insertInto('setup_tokens')
    .values({ token_hash: tokenHash, used_at: null })
    .onConflict((oc) => oc.column('token_hash').doNothing())
    .execute();
}

export async function retireSetupTokens(db: Executor, at: Date): Promise<void> {
  await db.updateTable('setup_tokens').set({ used_at: at }).where('used_at', 'is', null).execute();
}

export async function consumeSetupToken(
  db: Executor,
  tokenHash: string,
  at: Date,
): Promise<'consumed' | 'used' | 'unknown'> {
  const row = await db
    .selectFrom('setup_tokens')
    .select('used_at')
    .where('token_hash', '=', tokenHash)
    .forUpdate()
    .executeTakeFirst();
  if (!row) return 'unknown';
  if (row.used_at) return 'used';
  await db.updateTable('setup_tokens').set({ used_at: at }).where('token_hash', '=', tokenHash).execute();
  return 'consumed';
}
