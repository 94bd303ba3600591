import { sql, type Kysely } from 'kysely';

/**
 * Tiers judge the trade, not the payload's fields (issue 14 item 11). A change request stores the
 * notional its kind computed when it was filed — the amount before and after the change, USDT smallest
 * units as decimal-integer strings — and the policy's `notional` tiers judge it: an address-only
 * `trade.amend` of a 300,000 USDT trade names no `amount`, yet is a large change.
 *
 * - `change_requests.notional`, filled for the open trade requests filed before this migration (for
 *   the console; their policy snapshots still hold the tier they were filed under);
 * - the column joins what was filed and cannot be edited (the trigger of migration 0014, replaced);
 * - the `trade.amend` tier reading `amount` reads `notional` instead (a policy version of its own).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table change_requests add column notional jsonb
      check (notional is null or (jsonb_typeof(notional) = 'object' and notional ?& array['before', 'after']));

    update change_requests cr
       set notional = jsonb_build_object(
             'before', t.amount_units::text,
             'after', case when cr.kind = 'trade.cancel' then null
                           else coalesce(cr.payload->>'amount', t.amount_units::text) end)
      from trades t
     where cr.kind in ('trade.amend', 'trade.cancel')
       and cr.status in ('pending', 'awaiting_secondary')
       and t.id::text = cr.payload->>'tradeId';

    create or replace function change_requests_immutable() returns trigger language plpgsql as $$
    begin
      if (new.id, new.kind, new.payload, new.digest, new.diff, new.summary, new.entity_type, new.entity_id,
          new.entity_version, new.requested_by_type, new.requested_by_id, new.note, new.policy,
          new.notional, new.idempotency_key, new.created_at)
         is distinct from
         (old.id, old.kind, old.payload, old.digest, old.diff, old.summary, old.entity_type, old.entity_id,
          old.entity_version, old.requested_by_type, old.requested_by_id, old.note, old.policy,
          old.notional, old.idempotency_key, old.created_at) then
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

    update approval_policies
       set tiers = (select jsonb_agg(case when t->'when'->>'path' = 'amount'
                                          then jsonb_set(t, '{when,path}', '"notional"') else t end
                                     order by i)
                      from jsonb_array_elements(tiers) with ordinality as e(t, i)),
           version = version + 1,
           updated_at = now()
     where kind = 'trade.amend'
       and tiers @> '[{"when": {"path": "amount"}}]';
  `.execute(db);
}
