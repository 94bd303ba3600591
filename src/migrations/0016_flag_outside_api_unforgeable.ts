import { sql, type Kysely } from 'kysely';

/**
 * Flags (docs/dual-control.md, Feature flags): a database trigger audits flag changes made directly in SQL. Until now the trigger took
 * a change as the desk's own when the transaction-local setting `desk.flag_change` was set — which
 * anyone in psql can set too, changing AUTO_SETTLEMENT with no audit event and no history row.
 *
 * A change now counts as the desk's own only if the same transaction has already written its
 * `flag.changed` audit event for that flag and value (the flags service writes it first). Forging
 * that means writing to the append-only, hash-chained audit trail, which is itself the trace; any
 * other change is recorded as `flag.changed_outside_api` with the database role, as before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function feature_flag_change_is_audited(flag_key text, flag_enabled boolean) returns boolean
      language sql stable as $$
      select exists (
        select 1 from audit_events
         where tx_id = pg_current_xact_id() and action = 'flag.changed' and entity_type = 'flag'
           and entity_id = flag_key and data->>'enabled' = flag_enabled::text
      )
    $$;

    create or replace function feature_flags_outside_api() returns trigger language plpgsql as $$
    begin
      if feature_flag_change_is_audited(new.key, new.enabled) then
        return new;
      end if;
      insert into feature_flag_changes (key, enabled, previous, via, actor_type, actor_id, reason)
        values (new.key, new.enabled, case when tg_op = 'UPDATE' then old.enabled end, 'sql', 'database', current_user,
                'changed directly in the database');
      insert into audit_events (actor_type, actor_id, action, entity_type, entity_id, data)
        values ('database', current_user, 'flag.changed_outside_api', 'flag', new.key,
                jsonb_build_object('enabled', new.enabled, 'previous', case when tg_op = 'UPDATE' then old.enabled end));
      return new;
    end $$;

    create or replace function feature_flags_outside_api_version() returns trigger language plpgsql as $$
    begin
      if not feature_flag_change_is_audited(new.key, new.enabled) then
        new.version := old.version + 1;
        new.updated_at := now();
        new.updated_by_type := 'database';
        new.updated_by_id := current_user;
        new.reason := 'changed directly in the database';
        new.request_id := null;
        perform pg_notify('desk_events', json_build_object('type', 'flag.changed', 'id', new.key, 'enabled', new.enabled)::text);
      end if;
      return new;
    end $$;
  `.execute(db);
}
