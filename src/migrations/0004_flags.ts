import { sql, type Kysely } from 'kysely';

/**
 * Feature flags: the single source of truth. The flags service marks its own writes with the
 * transaction-local setting `desk.flag_change`; any other write (a person in psql) is caught by the
 * trigger, recorded in the history with via = 'sql' and in the audit trail with actor = database role.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table feature_flags (
      key text primary key,
      enabled boolean not null,
      description text not null,
      updated_at timestamptz not null default now(),
      updated_by_type text not null default 'system',
      updated_by_id text,
      reason text,
      request_id uuid,
      version integer not null default 1
    );

    create table feature_flag_changes (
      id bigserial primary key,
      key text not null,
      enabled boolean not null,
      previous boolean,
      via text not null check (via in ('seed', 'request', 'emergency', 'sql')),
      actor_type text not null,
      actor_id text,
      reason text,
      request_id uuid,
      at timestamptz not null default now()
    );
    create index feature_flag_changes_key on feature_flag_changes (key, id desc);

    create table flag_reviews (
      id uuid primary key default gen_random_uuid(),
      flag_key text not null,
      change_id bigint not null references feature_flag_changes (id),
      opened_by text not null,
      reason text not null,
      status text not null default 'open' check (status in ('open', 'acknowledged')),
      acknowledged_by uuid,
      acknowledged_at timestamptz,
      comment text,
      created_at timestamptz not null default now()
    );
    create index flag_reviews_open on flag_reviews (created_at) where status = 'open';

    create function feature_flags_outside_api() returns trigger language plpgsql as $$
    begin
      if coalesce(current_setting('desk.flag_change', true), '') <> '' then
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

    create trigger feature_flags_audit_outside_api after insert or update on feature_flags
      for each row execute function feature_flags_outside_api();

    -- An outside change still moves the version (so requests filed against the old state go stale)
    -- and still reaches live consoles.
    create function feature_flags_outside_api_version() returns trigger language plpgsql as $$
    begin
      if coalesce(current_setting('desk.flag_change', true), '') = '' then
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

    create trigger feature_flags_version_outside_api before update on feature_flags
      for each row execute function feature_flags_outside_api_version();

    create trigger feature_flags_no_delete before delete or truncate on feature_flags
      for each statement execute function desk_reject_mutation();

    select set_config('desk.flag_change', 'seed', true);
    insert into feature_flags (key, enabled, description) values
      ('AUTO_SETTLEMENT', false, 'Settle booked trades automatically. Off: every trade is flagged for manual review.');
    insert into feature_flag_changes (key, enabled, via, actor_type, reason)
      values ('AUTO_SETTLEMENT', false, 'seed', 'system', 'initial value: off');
  `.execute(db);
}
