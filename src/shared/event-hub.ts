import type pg from 'pg';
import { EVENTS_CHANNEL, type DeskEvent } from './events.js';

export type Listener = (event: DeskEvent) => void;

/**
 * Fans PostgreSQL NOTIFY events out to the live consoles connected to this process. It holds one
 * pooled connection in LISTEN while anyone is subscribed and gives it back when the last one leaves,
 * so every API node sees every committed change without sharing memory.
 */
export function createEventHub(pool: pg.Pool) {
  const listeners = new Set<Listener>();
  let client: pg.PoolClient | undefined;
  let connecting: Promise<void> | undefined;

  const onNotification = (msg: pg.Notification) => {
    if (msg.channel !== EVENTS_CHANNEL || !msg.payload) return;
    let event: DeskEvent;
    try {
      event = JSON.parse(msg.payload) as DeskEvent;
    } catch {
      return;
    }
    for (const l of listeners) l(event);
  };

  async function connect() {
    const c = await pool.connect();
    c.on('notification', onNotification);
    await c.query(`listen ${EVENTS_CHANNEL}`);
    client = c;
  }

  async function disconnect() {
    const c = client;
    client = undefined;
    if (!c) return;
    c.off('notification', onNotification);
    await c.query(`unlisten ${EVENTS_CHANNEL}`).catch(() => undefined);
    c.release();
  }

  return {
    async subscribe(listener: Listener): Promise<() => Promise<void>> {
      listeners.add(listener);
      if (!client) {
        connecting ??= connect().finally(() => (connecting = undefined));
        await connecting;
      }
      return async () => {
        listeners.delete(listener);
        if (listeners.size === 0) await disconnect();
      };
    },
    close: async () => {
      listeners.clear();
      await disconnect();
    },
  };
}

export type EventHub = ReturnType<typeof createEventHub>;
