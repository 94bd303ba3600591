import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config.js';
import { createAuditService, type AuditService } from '../audit/audit.service.js';
import { healthRoutes } from '../http/health.routes.js';
import { buildServer, type DeskServer } from '../http/server.js';
import type { Clock } from '../shared/clock.js';
import type { Db } from '../shared/db.js';
import type { Logger } from '../shared/logger.js';
import { createMetrics, type Metrics } from '../shared/metrics.js';
import { pendingMigrations } from '../shared/migrate.js';
import type { JobsModule } from '../worker/worker.js';
import { createAuthService, type AuthService } from '../operators/operators.auth.js';
import { createAuthenticator } from '../operators/operators.authenticator.js';
import { operatorsRoutes } from '../operators/operators.routes.js';
import { createOperatorsService, type OperatorsService } from '../operators/operators.service.js';
import type { Secrets } from './secrets.js';

export const VERSION = '0.1.0';

export interface Services {
  audit: AuditService;
  operators: OperatorsService;
  auth: AuthService;
}

export interface ComposeDeps {
  config: Config;
  db: Db;
  logger: Logger;
  clock: Clock;
  secrets: Secrets;
  /** Reports whether the in-process worker runs (false when this process runs no worker). */
  workerRunning?: () => boolean;
}

export interface Composition {
  services: Services;
  metrics: Metrics;
  jobs: JobsModule[];
  /** Builds the HTTP API; `extra` routes are for tests that exercise the HTTP machinery itself. */
  buildHttp: (extra?: FastifyPluginAsync[]) => Promise<DeskServer>;
}

/** The one place where the desk's parts are created and wired together. */
export function compose(deps: ComposeDeps): Composition {
  const { db, clock, logger } = deps;
  const metrics = createMetrics();
  const audit = createAuditService();
  const operators = createOperatorsService({ db, audit, clock, config: deps.config });
  const auth = createAuthService({ db, audit, clock, secrets: deps.secrets, config: deps.config });
  const services: Services = { audit, operators, auth };

  const authenticator = createAuthenticator(auth);
  const jobs: JobsModule[] = [];

  const routes: FastifyPluginAsync[] = [
    healthRoutes({
      version: VERSION,
      registry: metrics.registry,
      checks: [
        { name: 'database', check: async () => ({ ok: (await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute()).length === 1 }) },
        { name: 'migrations', check: async () => { const pending = await pendingMigrations(db); return { ok: pending.length === 0, detail: pending.length ? { pending } : undefined }; } },
        { name: 'worker', check: async () => ({ ok: deps.workerRunning ? deps.workerRunning() : true, detail: deps.workerRunning ? undefined : 'runs in a separate process' }) },
      ],
    }),
    operatorsRoutes({ auth, operators, config: deps.config }),
  ];

  return {
    services,
    metrics,
    jobs,
    buildHttp: (extra = []) => buildServer({ logger, metrics, clock, authenticator, bodyLimit: deps.config.BODY_LIMIT_BYTES, routes: [...routes, ...extra] }),
  };
}
