import type { FastifyPluginAsync } from 'fastify';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../src/config.js';
import { connectConfiguredEvm } from '../../src/wallets/evm/evm.connect.js';
import { compose, type ComposeDeps, type Composition } from '../../src/main/compose.js';
import type { Secrets } from '../../src/config.js';
import { systemClock, type Clock } from '../../src/shared/clock.js';
import { createLogger, type Logger } from '../../src/shared/logger.js';
import type { DeskServer } from '../../src/http/server.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { trackOpen, trackWhileOpen } from './open-handles.js';

export function testSecrets(): Secrets {
  const { privateKey } = generateKeyPairSync('ed25519');
  return {
    jwtKeys: [{ kid: 'test1', secret: randomBytes(32) }],
    auditSigningKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    dataEncryptionKey: randomBytes(32),
  };
}

export interface TestServer {
  app: DeskServer;
  desk: Composition;
  database: TestDatabase;
  config: Config;
  clock: Clock;
  secrets: Secrets;
  close: () => Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  clock?: Clock;
  logger?: Logger;
  database?: TestDatabase;
  extraRoutes?: FastifyPluginAsync[];
  secrets?: Secrets;
  telegram?: ComposeDeps['telegram'];
  prepare?: boolean;
  /**
   * Keep the desk's default APPROVALS_FILE_RATE_PER_MINUTE. Otherwise test servers raise it (tests
   * file dozens of requests as one person within seconds); the default is tested on its own.
   */
  defaultFilingRate?: boolean;
}

/** The real HTTP API on a fresh database, driven with `app.inject`. Close it in afterAll. */
export async function buildTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const database = opts.database ?? (await createTestDatabase());
  try {
    return await composeOn(database, opts);
  } catch (err) {
    // Nothing was handed to the test to close: drop what was opened for it here.
    if (!opts.database) await database.drop();
    throw err;
  }
}

async function composeOn(database: TestDatabase, opts: TestServerOptions): Promise<TestServer> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DESK_DATA_DIR: '/nonexistent-test-dir',
    ...(opts.defaultFilingRate ? {} : { APPROVALS_FILE_RATE_PER_MINUTE: '10000' }),
    ...opts.env,
  });
  const clock = opts.clock ?? systemClock;
  const secrets = opts.secrets ?? testSecrets();
  const evm = await connectConfiguredEvm(config.evm);
  const desk = compose({
    config,
    db: database.db,
    pool: database.pool,
    logger: opts.logger ?? createLogger('silent'),
    clock,
    secrets,
    evm,
    telegram: opts.telegram,
  });
  // The paper hot wallets (created and funded as on a first start), for tests that settle.
  if (opts.prepare) await desk.prepare();
  const app = await desk.buildHttp(opts.extraRoutes);
  const handle = trackOpen(`buildTestServer(): the test server on ${database.name}; close() closes it`);
  const telegram = desk.telegram;
  if (telegram)
    trackWhileOpen(
      "the Telegram bot's long polling (desk.telegram.start()); desk.telegram.stop() ends it",
      () => telegram.polling()?.isRunning() ?? false,
    );
  return {
    app,
    desk,
    database,
    config,
    clock,
    secrets,
    close: async () => {
      await app.close();
      if (!opts.database) await database.drop();
      handle.closed();
    },
  };
}
