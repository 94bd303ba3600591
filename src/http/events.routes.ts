import type { FastifyPluginAsync } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import type { Executor } from '../shared/db.js';
import type { EventHub } from '../shared/event-hub.js';
import type { DeskEvent, EventPublisher } from '../shared/events.js';

const HEARTBEAT_MS = 25_000;
/** Published by the database when a session is revoked (migration 0015). */
const SESSION_REVOKED = 'session.revoked';
/** Published by this route when a stream opens (`{id: session id, streamId}`): every node ends that session's other streams. */
const STREAM_OPENED = 'session.stream_opened';
/** setTimeout's longest delay (2^31 − 1 ms, about 24.8 days; a longer one fires at once). A longer session's stream ends at the cap and the console reconnects. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * `GET /api/events`: Server-Sent Events for live consoles. One stream per session — opening a second
 * one from the same session closes the first — and a session's stream ends when it is revoked or
 * expires. A console whose session still stands reconnects and is authenticated afresh.
 */
export function eventsRoutes(deps: {
  hub: EventHub;
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  heartbeatMs?: number;
}): FastifyPluginAsync {
  const streams = new Map<string, () => void>();
  return async (app) => {
    app.addHook('onClose', async () => {
      for (const close of streams.values()) close();
      await deps.hub.close();
    });

    app.get('/api/events', { config: { access: { permission: 'self' } } }, async (request, reply) => {
      const sessionId = request.actor?.sessionId ?? String(request.id);
      const streamId = randomUUID();
      streams.get(sessionId)?.();

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': String(request.id),
      });
      // Headers go now; ": connected" only once this stream listens and has announced itself (below), so a
      // console that reads it misses nothing committed after, and of two streams of a session the later stays.
      res.flushHeaders();

      let seq = 0;
      let closed = false;
      let announced = false;
      // Set once subscribed; `close` may run before that (a revocation or disconnect while subscribing).
      const live: { unsubscribe?: () => Promise<void>; heartbeat?: NodeJS.Timeout; expiry?: NodeJS.Timeout } =
        {};
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(live.heartbeat);
        clearTimeout(live.expiry);
        if (streams.get(sessionId) === close) streams.delete(sessionId);
        void live.unsubscribe?.();
        res.end();
      };
      const send = (event: DeskEvent) => {
        // A revoked session (logout, deactivation) ends its stream on every node; nobody else sees it.
        if (event.type === SESSION_REVOKED) {
          if (event.id === sessionId) close();
          return;
        }
        // Another stream of this session opened (here or on another node): the older one gives way; nobody sees it.
        // Every listener hears notifications in commit order, and this stream listens before it announces itself, so
        // an announcement heard after its own is a later stream's: of two opened at once, exactly the later one stays.
        if (event.type === STREAM_OPENED) {
          if (event.id !== sessionId) return;
          if (event.streamId === streamId) announced = true;
          else if (announced) close();
          return;
        }
        if (!closed) res.write(`id: ${++seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      };
      streams.set(sessionId, close);
      request.raw.on('close', close);
      // Authentication only checked the session when the stream opened: end it when the session ends.
      const expiresAt = request.actor?.sessionExpiresAt;
      if (expiresAt)
        live.expiry = setTimeout(
          close,
          Math.min(Math.max(expiresAt.getTime() - deps.clock.now().getTime(), 0), MAX_TIMER_MS),
        );
      try {
        const unsubscribe = await deps.hub.subscribe(send);
        if (closed) {
          void unsubscribe();
          return;
        }
        live.unsubscribe = unsubscribe;
        // Announced once this stream listens (see `send`).
        await deps.events.publish(deps.db, { type: STREAM_OPENED, id: sessionId, streamId });
        if (!closed) res.write(`retry: 3000\n: connected\n\n`);
      } catch (err) {
        // The database went away while the stream opened: end it; the console reconnects (retry: 3000).
        request.log.warn({ err: (err as Error).message }, 'event stream could not listen');
        close();
        return;
      }
      live.heartbeat = setInterval(() => res.write(`: ping\n\n`), deps.heartbeatMs ?? HEARTBEAT_MS);
    });
  };
}
