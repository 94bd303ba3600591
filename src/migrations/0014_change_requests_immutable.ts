import { sql, type Kysely } from 'kysely';

/**
 * Dual-control invariant 9 (src/approvals/README.md) in the database too: what was filed is what gets approved. Once a change
 * request exists, its kind, payload, digest, diff, summary, entity and version, requester, note,
 * policy snapshot, idempotency key and creation time never change — the co-sign compares the payload
 * with the digest of the same row, so rewriting both (or widening the policy snapshot) in psql would
 * otherwise pass. Only the decision columns move, and only while the request is open. `expires_at`
 * may only be brought forward (the fail-closed direction: a request can be expired early, never given
 * more time). The decision history is append-only, like the audit trail.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function change_requests_immutable() returns trigger language plpgsql as $$
    begin
      if (new.id, new.kind, new.payload, new.digest, new.diff, new.summary, new.entity_type, new.entity_id,
          new.entity_version, new.requested_by_type, new.requested_by_id, new.note, new.policy,
          new.idempotency_key, new.created_at)
         is distinct from
         (old.id, old.kind, old.payload, old.digest, old.diff, old.summary, old.entity_type, old.entity_id,
          old.entity_version, old.requested_by_type, old.requested_by_id, old.note, old.policy,
          old.idempotency_key, old.created_at) then
        raise exception 'change request %: what was filed cannot be edited (cancel it and file a new one)', old.id
          using errcode = '42501';
      end if;
      if new.expires_at > old.expires_at then
        raise exception 'change request %: expires_at can only be brought forward, never extended', old.id
          using errcode = '42501';
      end if;
      if old.status not in ('pending', 'awaiting_secondary')
         and (to_jsonb(new) - 'updated_at') is distinct from (to_jsonb(old) - 'updated_at') then
        raise exception 'change request % is % and can no longer change', old.id, old.status
          using errcode = '42501';
      end if;
      return new;
    end $$;

    create trigger change_requests_immutable before update on change_requests
      for each row execute function change_requests_immutable();
    create trigger change_requests_no_delete before delete on change_requests
      for each row execute function desk_reject_mutation();
    create trigger change_requests_no_truncate before truncate on change_requests
      for each statement execute function desk_reject_mutation();

    create trigger change_request_events_no_update_delete before update or delete on change_request_events
      for each row execute function desk_reject_mutation();
    create trigger change_request_events_no_truncate before truncate on change_request_events
      for each statement execute function desk_reject_mutation();
  `.execute(db);
}
