import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
} from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { jsonSchemaTransform, jsonSchemaTransformObject, validatorCompiler } from 'fastify-type-provider-zod';
import { responseSerializer } from './serializer.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { Clock } from '../shared/clock.js';
import { VERSION } from '../shared/version.js';
import type { Authenticator } from '../shared/request-context.js';
import { installAccessControl, type RegisteredRoute } from './access.js';
import { clientErrorReply, frameworkErrorHandler, installProblemHandlers } from './problem.js';
import { oddStrings } from './odd-input.js';
import { AppError } from '../shared/errors.js';

export interface ServerDeps {
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  authenticator: Authenticator;
  bodyLimit: number;
  /**
   * Which hops may set X-Forwarded-For (TRUST_PROXY): `request.ip` — the per-IP login limit and the IP
   * in audit events — is the client's only when the proxy in front is trusted, and the peer's otherwise.
   */
  trustProxy?: false | number | string[];
  /** Tests: a reply its response schema would lose a property of is an error, not a silently shorter reply. */
  strictResponses?: boolean;
  /** Each domain's routes, mounted in order. */
  routes: FastifyPluginAsync[];
}

export type DeskServer = FastifyInstance & { deskRoutes: RegisteredRoute[] };

/**
 * A caller's X-Request-Id is kept only if it is 1–128 safe characters without a colon: the desk's own
 * ids name their channel with one (`telegram:<update>`, `system:…`), so an API call can never pass
 * for a Telegram or system one in the audit trail. Anything else is replaced by a fresh UUID.
 */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops;

/** Assembles the HTTP API: plugins, access control, problem+json errors, metrics and the domains' routes. */
export async function buildServer(deps: ServerDeps): Promise<DeskServer> {
  // Widened on purpose: Fastify's instance type is keyed on the logger type, and routes expect the base one.
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: deps.bodyLimit,
    // A hop count as Fastify itself turns it into a function (its types accept no number): trust the first n hops.
    trustProxy: typeof deps.trustProxy === 'number' ? trustHops(deps.trustProxy) : (deps.trustProxy ?? false),
    // We log one line per request ourselves (onResponse), with the route template rather than the URL.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false } },
    // Errors Fastify meets before routing (a malformed percent-encoding): problem+json, no URL echoed.
    frameworkErrors: frameworkErrorHandler,
    // Only a socket that has sent nothing yet gets an answer (a reset or a stream in progress is just closed).
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      if (err.code === 'ECONNRESET' || !socket.writable || socket.bytesWritten > 0) socket.destroy();
      else socket.end(clientErrorReply(err.code));
    },
  });
  // The API speaks JSON only: anything else is 415, never a string handed to a JSON schema.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializer(deps.strictResponses ?? false));

  const routes: RegisteredRoute[] = [];
  const allMethods = FindMyWay();
  app.addHook('onRoute', (route) => {
    // The console's catch-all would make every unknown path "exist" for GET; 405 is for real routes only.
    if (route.url === '/*') return;
    for (const method of [route.method].flat()) {
      if (!allMethods.hasRoute(method as HTTPMethod, route.url))
        allMethods.on(method as HTTPMethod, route.url, () => undefined);
    }
  });
  const methodsFor = (url: string) =>
    (['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as HTTPMethod[]).filter(
      (m) => allMethods.find(m, url) !== null,
    );

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  installProblemHandlers(app, deps.metrics, methodsFor);
  // What no table can store is refused at the boundary, before any schema or SQL sees it.
  app.addHook('preValidation', async (request) => {
    const odd = [
      ...oddStrings(request.params, 'params'),
      ...oddStrings(request.query, 'querystring'),
      ...oddStrings(request.body, 'body'),
    ];
    if (odd.length > 0)
      throw new AppError(
        'VALIDATION_FAILED',
        'The request holds a NUL byte or an unpaired UTF-16 surrogate; send text only.',
        odd,
      );
  });
  // Tokens, TOTP secrets, link codes and setup tokens travel in API replies: none may be cached.
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
  });
  // Before access control: its onRequest hook authenticates from the session cookie, which this parses.
  await app.register(cookie);
  installAccessControl(app, deps.authenticator, deps.clock, routes);

  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      route: request.routeOptions.url ?? 'unmatched',
      method: request.method,
      status: String(reply.statusCode),
    };
    deps.metrics.httpRequests.inc(labels);
    deps.metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    request.log.info(
      {
        method: request.method,
        route: labels.route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
      },
    },
  });
  // Per-route limits (login, setup) are declared on the routes; nothing is limited globally.
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: { title: 'usdt-desk API', version: VERSION },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
    // Schemas named with `.meta({ id })` are components the console's generated types refer to.
    transformObject: jsonSchemaTransformObject,
  });
  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );

  for (const plugin of deps.routes) await app.register(plugin);
  await app.ready();
  const server: DeskServer = Object.assign(app, { deskRoutes: routes });
  return server;
}
