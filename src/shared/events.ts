import { sql } from 'kysely';
import type { Executor } from './db.js';

/** A change that live consoles should see (over SSE). */
export interface DeskEvent {
  type: string;
  id: string;
  [key: string]: unknown;
}

export const EVENTS_CHANNEL = 'desk_events';

/**
 * Publishes through PostgreSQL NOTIFY inside the caller's transaction: listeners on every node hear
 * it if and only if the change commits, and never before.
 */
export interface EventPublisher {
  publish(tx: Executor, event: DeskEvent): Promise<void>;
}

export const pgEventPublisher: EventPublisher = {
  async publish(tx, event) {
    await sql`select pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify(event)})`.execute(tx);
  },
};
