import { sql } from 'kysely';
import { AppError } from '../shared/errors.js';
import type { Tx } from '../shared/db.js';
import type { Requester } from './approvals.ports.js';
import type { RequestRow } from './approvals.repo.js';
import { OPEN_STATUSES } from './approvals.rules.js';

/**
 * No flooding the approvers (issue 14 item 12): a requester files at most
 * APPROVALS_FILE_RATE_PER_MINUTE requests in any 60 seconds, and a change identical to one still open
 * (same kind, same payload digest) is refused with the open one's id. Both are checked inside the
 * filing transaction, after `lockRequester`, and counted in PostgreSQL, so they hold across desk
 * processes and restarts and whichever edge files (console, API, Telegram, another domain).
 */

/** The partial unique index on (kind, digest) of open requests (migration 0052). */
export const DIGEST_INDEX = 'change_requests_open_digest';
const WINDOW_MS = 60_000;

/** Serialises one requester's filings (the desk itself, which files rarely and on its own, is not). */
export async function lockRequester(tx: Tx, requester: Requester): Promise<void> {
  if (requester.type === 'system') return;
  const key = `change_requests:${requester.type}:${requester.id}`;
  await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(tx);
}

/** Refuses the filing with 429 RATE_LIMITED (and when to retry) if the requester is at the limit. */
export async function assertUnderFilingRate(
  tx: Tx,
  requester: Requester,
  now: Date,
  perMinute: number,
): Promise<void> {
  if (requester.type === 'system') return;
  const recent = await tx
    .selectFrom('change_requests')
    .select('created_at')
    .where('requested_by_type', '=', requester.type)
    .where('requested_by_id', '=', requester.id)
    .where('created_at', '>', new Date(now.getTime() - WINDOW_MS))
    .orderBy('created_at', 'desc')
    .limit(perMinute)
    .execute();
  if (recent.length < perMinute) return;
  // The filing that frees a slot is the oldest of the last `perMinute`: it leaves the window first.
  const oldest = recent[recent.length - 1]?.created_at ?? now;
  const retryAfterSeconds = Math.max(1, Math.ceil((oldest.getTime() + WINDOW_MS - now.getTime()) / 1000));
  throw new AppError(
    'RATE_LIMITED',
    `You have filed ${perMinute} change requests in the last minute, the most the desk accepts: wait ${retryAfterSeconds} s, then file again.`,
    undefined,
    { retryAfterSeconds },
  );
}

/** The open request identical to this filing, if one exists, locked. */
export async function openTwin(tx: Tx, kind: string, digest: string): Promise<RequestRow | undefined> {
  return tx
    .selectFrom('change_requests')
    .selectAll()
    .where('kind', '=', kind)
    .where('digest', '=', digest)
    .where('status', 'in', OPEN_STATUSES)
    .forUpdate()
    .executeTakeFirst();
}

/** 409 DUPLICATE_REQUEST naming the open request (`existingId`, `link`); `id` when already known. */
export async function duplicateError(tx: Tx, kind: string, digest: string, id?: string): Promise<AppError> {
  const existingId = id ?? (await openTwin(tx, kind, digest))?.id ?? 'unknown';
  return new AppError(
    'DUPLICATE_REQUEST',
    `An identical ${kind} request is already open (${existingId}): decide or cancel that one instead of filing it again (GET /api/approvals/${existingId}).`,
    [{ path: 'payload', message: `is the same as open request ${existingId}` }],
    { extensions: { existingId, link: `/approvals/${existingId}` } },
  );
}
