import { sql, type Kysely } from 'kysely';

/**
 * No flooding the approvers (issue 14 item 12):
 *
 * - at most one open request per (kind, payload digest): the partial unique index refuses a second
 *   identical filing even when two arrive at the same instant (the engine answers 409
 *   DUPLICATE_REQUEST naming the open one). Identical open requests filed before it keep the oldest;
 *   the others expire now, each with its history event and audit event, as the expiry job would;
 * - the per-requester filing rate (APPROVALS_FILE_RATE_PER_MINUTE) counts a requester's recent
 *   filings through an index instead of their whole history.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    with ranked as (
      select id, kind, digest, status,
             first_value(id) over (partition by kind, digest order by created_at, id) as kept,
             row_number() over (partition by kind, digest order by created_at, id) as n
        from change_requests
       where status in ('pending', 'awaiting_secondary')
    ),
    expired as (
      update change_requests cr
         set status = 'expired', decided_at = now(), expires_at = least(cr.expires_at, now())
        from ranked r
       where r.id = cr.id and r.n > 1
      returning cr.id, cr.kind, cr.digest, r.status as was, r.kept
    ),
    history as (
      insert into change_request_events (request_id, action, actor_type, actor_id, reason, data)
      select id, 'expired', 'system', null, 'an identical request was already open: ' || kept::text,
             jsonb_build_object('duplicateOf', kept, 'migration', '0052')
        from expired
    )
    insert into audit_events (actor_type, action, entity_type, entity_id, data)
    select 'system', 'approval.expired', 'change_request', id::text,
           jsonb_build_object('kind', kind, 'digest', digest, 'from', was, 'to', 'expired',
                              'reason', 'an identical request was already open', 'duplicateOf', kept,
                              'migration', '0052')
      from expired;

    create unique index change_requests_open_digest on change_requests (kind, digest)
      where status in ('pending', 'awaiting_secondary');
    create index change_requests_requester_recent
      on change_requests (requested_by_type, requested_by_id, created_at desc);
  `.execute(db);
}
