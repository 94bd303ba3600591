import { sql, type Kysely } from 'kysely';

/**
 * A revoked session (logout, deactivation, any future revocation path) announces itself on the live
 * events channel when its transaction commits, so every API node closes that session's open
 * `/api/events` stream at once: a signed-out or deactivated operator stops receiving live events.
 * The event carries only the session id; the events route consumes it and never forwards it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function operator_sessions_revoked_event() returns trigger language plpgsql as $$
    begin
      perform pg_notify('desk_events', json_build_object('type', 'session.revoked', 'id', new.id)::text);
      return new;
    end $$;

    create trigger operator_sessions_revoked_event after update of revoked_at on operator_sessions
      for each row when (old.revoked_at is null and new.revoked_at is not null)
      execute function operator_sessions_revoked_event();
  `.execute(db);
}
