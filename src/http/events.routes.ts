import type { FastifyPluginAsync } from 'fastify';
import type { EventHub } from '../shared/event-hub.js';
import type { DeskEvent } from '../shared/events.js';

const HEARTBEAT_MS = 25_000;

/**
 * `GET /api/events`: Server-Sent Events for live consoles. One stream per session — opening a second
 * one from the same session closes the first.
 */
export function eventsRoutes(deps: { hub: EventHub; heartbeatMs?: number }): FastifyPluginAsync {
  const streams = new Map<string, () => void>();
  return async (app) => {
    app.addHook('onClose', async () => {
      for (const close of streams.values()) close();
      await deps.hub.close();
    });

    app.get('/api/events', { config: { access: { permission: 'self' } } }, async (request, reply) => {
      const sessionId = request.actor?.sessionId ?? String(request.id);
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
      res.write(`retry: 3000\n: connected\n\n`);

      let seq = 0;
      const send = (event: DeskEvent) => {
        res.write(`id: ${++seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      };
      const unsubscribe = await deps.hub.subscribe(send);
      const heartbeat = setInterval(() => res.write(`: ping\n\n`), deps.heartbeatMs ?? HEARTBEAT_MS);
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        if (streams.get(sessionId) === close) streams.delete(sessionId);
        void unsubscribe();
        res.end();
      };
      streams.set(sessionId, close);
      request.raw.on('close', close);
    });
  };
}
