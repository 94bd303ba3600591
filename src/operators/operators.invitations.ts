import { sql } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { AuditContext } from '../shared/request-context.js';
import type { Clock } from '../shared/clock.js';
import type { Executor, Tx } from '../shared/db.js';
import { AppError } from '../shared/errors.js';
import { randomToken, sha256Hex } from './operators.crypto.js';

/**
 * One-time invitations (issue 14 item 10): whoever creates an operator never holds its credentials.
 * The creator gets a link once; only its SHA-256 is stored; the person who opens it sets their own
 * password (and then enrols their own MFA with the session that opens). The link expires after
 * INVITATION_TTL_HOURS and works once; issuing a new one revokes the unused previous one.
 */
export interface Invitation {
  /** Shown once to the creator, to pass on; never stored. */
  token: string;
  url: string;
  expiresAt: Date;
}

export interface InvitationDeps {
  audit: AuditService;
  clock: Clock;
  ttlHours: number;
  baseUrl: () => string;
}

export function invitationUrl(base: string, token: string): string {
  return `${base}/invite/${encodeURIComponent(token)}`;
}

export async function issueInvitation(
  tx: Tx,
  deps: InvitationDeps,
  operatorId: string,
  ctx: AuditContext,
): Promise<Invitation> {
  const now = deps.clock.now();
  const token = randomToken(32);
  const expiresAt = new Date(now.getTime() + deps.ttlHours * 3_600_000);
  const revoked = await tx
    .updateTable('operator_invitations')
    .set({ revoked_at: now })
    .where('operator_id', '=', operatorId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  await tx
    .insertInto('operator_invitations')
    .values({
      operator_id: operatorId,
      token_hash: sha256Hex(token),
      created_by_type: ctx.actorType,
      created_by_id: ctx.actorId ?? null,
      expires_at: expiresAt,
      used_at: null,
      revoked_at: null,
    })
    .execute();
  await deps.audit.record(tx, {
    ...ctx,
    action: 'operator.invitation_issued',
    entityType: 'operator',
    entityId: operatorId,
    data: { expiresAt: expiresAt.toISOString(), revokedPrevious: Number(revoked.numUpdatedRows) },
  });
  return { token, url: invitationUrl(deps.baseUrl(), token), expiresAt };
}

/** The invitation behind `token`, refused with a plain-words code when it cannot be used. */
export async function usableInvitation(
  ex: Executor,
  token: string,
  now: Date,
  opts: { forUpdate?: boolean } = {},
) {
  const query = ex
    .selectFrom('operator_invitations as i')
    .innerJoin('operators as o', 'o.id', 'i.operator_id')
    .select([
      'i.id',
      'i.operator_id',
      'i.expires_at',
      'i.used_at',
      'i.revoked_at',
      'o.email',
      'o.name',
      'o.roles',
      'o.status',
    ])
    .where('i.token_hash', '=', sha256Hex(token));
  const row = await (opts.forUpdate ? query.forUpdate() : query).executeTakeFirst();
  if (!row || row.revoked_at || row.status !== 'active')
    throw new AppError(
      'NOT_FOUND',
      'This invitation link is not valid (mistyped, replaced by a newer one, or the account was deactivated). Ask a platform_admin for a new one.',
    );
  if (row.used_at)
    throw new AppError(
      'INVITATION_USED',
      'This invitation was already accepted: sign in with the password chosen then.',
    );
  if (row.expires_at <= now)
    throw new AppError(
      'INVITATION_EXPIRED',
      'This invitation has expired: ask a platform_admin for a new one (desk operators invite, or the Operators page).',
    );
  return row;
}

/** Whether the operator ever accepted an invitation (the first admin, created by setup, has none). */
export async function hasPendingInvitationOnly(ex: Executor, operatorId: string): Promise<boolean> {
  const rows = await ex
    .selectFrom('operator_invitations')
    .select(['used_at'])
    .where('operator_id', '=', operatorId)
    .execute();
  return rows.length > 0 && rows.every((r) => r.used_at === null);
}

export async function markInvitationUsed(ex: Executor, id: string, at: Date): Promise<void> {
  await ex
    .updateTable('operator_invitations')
    .set({ used_at: at })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .execute();
}

/**
 * Where each invited operator's invitation stands, for the console's founding-team list: `accepted`
 * once they set their own password, else `pending` or `expired` by the live link. Operators never
 * invited (the setup admin) are absent.
 */
export type InvitationState = 'pending' | 'expired' | 'accepted';

export async function invitationStates(ex: Executor, now: Date): Promise<Map<string, InvitationState>> {
  const rows = await ex
    .selectFrom('operator_invitations')
    .select(['operator_id', 'expires_at', 'used_at', 'revoked_at'])
    .execute();
  const states = new Map<string, InvitationState>();
  for (const r of rows) {
    if (r.used_at) states.set(r.operator_id, 'accepted');
    else if (r.revoked_at || states.get(r.operator_id) === 'accepted') continue;
    else states.set(r.operator_id, r.expires_at > now ? 'pending' : 'expired');
  }
  return states;
}

/** Serialises bootstrap decisions (two founding invitations, or one racing the first decision). */
export async function lockBootstrap(tx: Tx): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('usdt-desk:bootstrap'))`.execute(tx);
}
