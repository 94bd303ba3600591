import { Writable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../shared/logger.js';
import { COMMIT, VERSION } from '../shared/version.js';
import { compose } from '../main/compose.js';
import { loadConfig } from '../config.js';
import { systemClock } from '../shared/clock.js';
import { createDb, createPool } from '../shared/db.js';
import { buildTestServer, testSecrets, type TestServer } from '../../test/support/server.js';
import { createEmptyDatabase } from '../../test/support/db.js';

const paramRoute: FastifyPluginAsync = async (app) => {
  app.get('/test/items/:id', { config: { access: 'public' } }, async () => ({ ok: true }));
};

describe('health, readiness and metrics', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await buildTestServer({ extraRoutes: [paramRoute] });
  });
  afterAll(() => t.close());

  it('GET /health answers while the process lives', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', version: VERSION, commit: COMMIT });
  });

  it('GET /ready reports each check as JSON', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ready',
      checks: { database: { ok: true }, migrations: { ok: true }, worker: { ok: true } },
    });
  });

  it('GET /ready is 503 when migrations are not current', async () => {
    const empty = await createEmptyDatabase();
    const pool = createPool(empty.url, 2);
    const db = createDb(pool);
    const desk = compose({
      config: loadConfig({ NODE_ENV: 'test' }),
      db,
      pool,
      logger: createLogger('silent'),
      clock: systemClock,
      secrets: testSecrets(),
    });
    const app = await desk.buildHttp();
    try {
      const res = await app.inject({ method: 'GET', url: '/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({
        status: 'not ready',
        checks: { database: { ok: true }, migrations: { ok: false } },
      });
    } finally {
      await app.close();
      await db.destroy();
      await empty.drop();
    }
  });

  it('GET /ready does not show the public why a check threw; the log does, under the request id', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const missing = new URL(inject('pgAdminUrl'));
    missing.pathname = '/desk_no_such_database_for_ready';
    const pool = createPool(missing.toString(), 1);
    const db = createDb(pool);
    const desk = compose({
      config: loadConfig({ NODE_ENV: 'test' }),
      db,
      pool,
      logger: createLogger('info', sink),
      clock: systemClock,
      secrets: testSecrets(),
    });
    const app = await desk.buildHttp();
    try {
      const res = await app.inject({ method: 'GET', url: '/ready' });
      expect(res.statusCode).toBe(503);
      const { checks } = res.json<{ checks: { database: { ok: boolean; detail: string } } }>();
      expect(checks.database.ok).toBe(false);
      expect(checks.database.detail).toContain('database check failed');
      expect(res.body).not.toContain('desk_no_such_database_for_ready');
      const logged = lines
        .map(
          (l) => JSON.parse(l) as { msg: string; reqId?: string; check?: string; err?: { message: string } },
        )
        .find((l) => l.msg === 'readiness check failed' && l.check === 'database');
      expect(logged?.reqId).toBe(res.headers['x-request-id']);
      expect(logged?.err?.message).toContain('desk_no_such_database_for_ready');
    } finally {
      await app.close();
      await db.destroy();
    }
  });

  it('GET /ready is 503 when the worker is not running', async () => {
    const desk = compose({
      config: t.config,
      db: t.database.db,
      pool: t.database.pool,
      logger: createLogger('silent'),
      clock: systemClock,
      secrets: testSecrets(),
      workerRunning: () => false,
    });
    const app = await desk.buildHttp();
    const res = await app.inject({ method: 'GET', url: '/ready' });
    await app.close();
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ checks: { worker: { ok: false } } });
  });

  it('GET /metrics labels requests by route template, never the raw URL', async () => {
    await t.app.inject({ method: 'GET', url: '/test/items/42' });
    await t.app.inject({ method: 'GET', url: '/test/items/43' });
    await t.app.inject({ method: 'GET', url: '/api/no/such/thing/123' });
    await t.app.inject({ method: 'POST', url: '/api/no/such/thing/456' });
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    expect(text).toMatch(
      /desk_http_requests_total\{route="\/test\/items\/:id",method="GET",status="200"\} 2/,
    );
    expect(text).toContain('desk_http_request_duration_seconds_bucket{le="0.005",route="/test/items/:id"');
    expect(text).toMatch(/route="\/\*",method="GET",status="404"/); // the console's catch-all answers GET
    expect(text).toMatch(/route="unmatched",method="POST",status="404"/);
    expect(text).not.toContain('/test/items/42');
    expect(text).not.toContain('/no/such/thing');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});
