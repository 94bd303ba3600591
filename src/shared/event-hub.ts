import type pg from 'pg';
import { EVENTS_CHANNEL, type DeskEvent } from './events.js';

/** Back-off for LISTEN again after its connection was lost: 250 ms doubling to 4 s. */
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 4_000;

export type Listener = (event: DeskEvent) => void;

/**
 * Fans PostgreSQL NOTIFY events out to the live consoles connected to this process. It holds one
 * pooled connection in LISTEN while anyone is subscribed and gives it back when the last one leaves,
 * so every API node sees every committed change without sharing memory. When that connection is lost
 * (PostgreSQL restarted), it LISTENs again on a new one with back-off; events committed meanwhile are
 * not replayed (a console refetches what it shows when its stream reconnects).
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

  let retryTimer: NodeJS.Timeout | undefined;
  let retryMs = RECONNECT_MIN_MS;

  // The pool hands the same connection out again after this hub gives it back: every listener added
  // to it must be taken off then, or each subscribe/unsubscribe cycle leaves two behind.
  let onLost: (() => void) | undefined;
  function detach(c: pg.PoolClient) {
    c.off('notification', onNotification);
    if (onLost) {
      c.off('error', onLost);
      c.off('end', onLost);
      onLost = undefined;
    }
  }

  async function connect() {
    const c = await pool.connect();
    try {
      c.on('notification', onNotification);
      // A lost connection (the server restarted): drop it and LISTEN again on a new one, with back-off.
      onLost = () => lost(c);
      c.on('error', onLost);
      c.on('end', onLost);
      await c.query(`listen ${EVENTS_CHANNEL}`);
    } catch (err) {
      detach(c);
      c.release(err as Error);
      throw err;
    }
    client = c;
    retryMs = RECONNECT_MIN_MS;
  }

  function lost(c: pg.PoolClient) {
    if (client !== c) return;
    client = undefined;
    detach(c);
    c.release(new Error('LISTEN connection lost'));
    scheduleReconnect();
  }

  function scheduleReconnect() {
    if (retryTimer || listeners.size === 0) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (client || listeners.size === 0) return;
      connecting ??= connect().finally(() => (connecting = undefined));
      connecting.catch(() => {
        retryMs = Math.min(retryMs * 2, RECONNECT_MAX_MS);
        scheduleReconnect();
      });
    }, retryMs);
  }

  async function disconnect() {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    const c = client;
    client = undefined;
    if (!c) return;
    detach(c);
    await c.query(`unlisten ${EVENTS_CHANNEL}`).catch(() => undefined);
    c.release();
  }

  return {
    async subscribe(listener: Listener): Promise<() => Promise<void>> {
      listeners.add(listener);
      if (!client) {
        connecting ??= connect().finally(() => (connecting = undefined));
        try {
          await connecting;
        } catch (err) {
          listeners.delete(listener);
          throw err;
        }
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
