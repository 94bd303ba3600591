import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { signedInOperator } from '../../test/support/factories.js';
import { sql } from 'kysely';
import { AppError } from '../shared/errors.js';
import type { Db } from '../shared/db.js';

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { path: string; message: string }[];
  requestId: string;
}

let probeDb: Db | undefined;

/** Routes that exist only in this test, to drive each error class through the real HTTP machinery. */
const probeRoutes: FastifyPluginAsync = async (app) => {
  // Hands PostgreSQL whatever the path holds, unvalidated, as a route that forgot its schema would.
  app.get('/test/lookup/:id', { config: { access: 'public' } }, async (req) => {
    const { id } = req.params as { id: string };
    if (!probeDb) throw new Error('no database');
    return (await sql<{ id: string }>`select ${id}::uuid as id`.execute(probeDb)).rows[0];
  });
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/test/echo',
    {
      config: { access: 'public' },
      schema: { body: z.object({ name: z.string().min(2), amount: z.string().regex(/^\d+$/) }).strict() },
    },
    async (req) => ({ ok: true, name: req.body.name }),
  );
  r.get('/test/boom', { config: { access: 'public' } }, async () => {
    throw new Error('database password=hunter2 leaked in a message');
  });
  r.get('/test/conflict', { config: { access: 'public' } }, async () => {
    throw new AppError('ALREADY_DECIDED', 'Someone decided first.');
  });
  r.get('/test/private', { config: { access: { permission: 'audit:read' } } }, async () => ({ ok: true }));
  r.get(
    '/test/limited',
    { config: { access: 'public', rateLimit: { max: 2, timeWindow: 60_000 } } },
    async () => ({ ok: true }),
  );
};

describe('problem+json for every error class', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await buildTestServer({ extraRoutes: [probeRoutes], env: { BODY_LIMIT_BYTES: '2048' } });
    probeDb = t.database.db;
  });
  afterAll(() => t.close());

  const expectProblem = (
    res: { statusCode: number; headers: Record<string, unknown>; json: <T>() => T },
    status: number,
    code: string,
  ) => {
    expect(res.statusCode).toBe(status);
    expect(String(res.headers['content-type'])).toContain('application/problem+json');
    const body = res.json<ProblemBody>();
    expect(body).toMatchObject({ status, code });
    expect(body.type).toMatch(/^urn:usdt-desk:problem:/);
    expect(body.title.length).toBeGreaterThan(0);
    expect(body.detail.length).toBeGreaterThan(0);
    expect(body.requestId).toBe(res.headers['x-request-id']);
    expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/); // never a stack trace
    return body;
  };

  it('accepts a valid body (the probe works)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { name: 'Ada', amount: '10' },
    });
    expect(res.statusCode).toBe(200);
  });

  it('400 VALIDATION_FAILED with per-field errors', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { name: 'A', amount: '1.5' },
    });
    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(body.errors?.map((e) => e.path).sort()).toEqual(['body.amount', 'body.name']);
  });

  it('400 for unknown fields', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { name: 'Ada', amount: '1', admin: true },
    });
    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(body.detail).toContain('admin');
  });

  it('400 INVALID_JSON for a malformed body', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expectProblem(res, 400, 'INVALID_JSON');
  });

  it('415 for a body that is not JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'text/plain' },
      payload: 'name=Ada',
    });
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('413 for an oversized body', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { name: 'x'.repeat(5000), amount: '1' },
    });
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('401 UNAUTHENTICATED without credentials', async () => {
    expectProblem(await t.app.inject({ method: 'GET', url: '/test/private' }), 401, 'UNAUTHENTICATED');
  });

  it('401 for a garbage bearer token', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/test/private',
      headers: { authorization: 'Bearer not-a-token' },
    });
    expectProblem(res, 401, 'UNAUTHENTICATED');
  });

  it('403 FORBIDDEN for a signed-in operator whose roles lack the permission', async () => {
    const { bearer } = await signedInOperator(t, { roles: ['ops_approver'] });
    const body = expectProblem(
      await t.app.inject({ method: 'GET', url: '/test/private', headers: bearer }),
      403,
      'FORBIDDEN',
    );
    expect(body.detail).toContain('audit:read');
  });

  it('400 (not 415) for a Content-Length that does not match the body', async () => {
    const payload = JSON.stringify({ name: 'Ada', amount: '1' });
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json', 'content-length': String(payload.length + 10) },
      payload,
    });
    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(body.errors?.map((e) => e.path)).toEqual(['headers.content-length']);
  });

  it('400 VALIDATION_FAILED (not 500) for a value PostgreSQL cannot read, such as an id that is not a UUID', async () => {
    const ok = await t.app.inject({
      method: 'GET',
      url: '/test/lookup/6f1c3f5e-1d2a-4c1b-9a43-2f0e5d7c8b9a',
    });
    expect(ok.statusCode).toBe(200);
    const res = await t.app.inject({ method: 'GET', url: '/test/lookup/not-a-uuid' });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.json<ProblemBody>().detail).toMatch(/must be a UUID/);
  });

  it('404 NOT_FOUND', async () => {
    expectProblem(await t.app.inject({ method: 'GET', url: '/api/nope' }), 404, 'NOT_FOUND');
  });

  it('405 METHOD_NOT_ALLOWED with Allow', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/health' });
    expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toContain('GET');
  });

  it('409 from a domain AppError', async () => {
    expectProblem(await t.app.inject({ method: 'GET', url: '/test/conflict' }), 409, 'ALREADY_DECIDED');
  });

  it('429 RATE_LIMITED with Retry-After', async () => {
    await t.app.inject({ method: 'GET', url: '/test/limited' });
    await t.app.inject({ method: 'GET', url: '/test/limited' });
    const res = await t.app.inject({ method: 'GET', url: '/test/limited' });
    expectProblem(res, 429, 'RATE_LIMITED');
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('500 INTERNAL for an unexpected error, without its message or stack', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/test/boom' });
    const body = expectProblem(res, 500, 'INTERNAL');
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });

  it('echoes a safe X-Request-Id and replaces an unsafe one', async () => {
    const ok = await t.app.inject({
      method: 'GET',
      url: '/api/nope',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(ok.json<ProblemBody>().requestId).toBe('abc-123');
    const bad = await t.app.inject({
      method: 'GET',
      url: '/api/nope',
      headers: { 'x-request-id': 'a b\nc' },
    });
    expect(bad.json<ProblemBody>().requestId).not.toContain(' ');
  });
});
