import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config.js';
import { compose } from '../src/main/compose.js';
import { systemClock } from '../src/shared/clock.js';
import { createDb, createPool } from '../src/shared/db.js';
import { createLogger } from '../src/shared/logger.js';

/**
 * The desk's OpenAPI document as GET /api/openapi.json serves it, without a database or a listening
 * socket: the whole desk is composed (so every domain's routes are there) over a pool that is never
 * asked for a connection, and Fastify's swagger plugin is read once the routes are registered.
 */
export async function openApiDocument(): Promise<unknown> {
  const config = loadConfig({ NODE_ENV: 'test', DESK_DATA_DIR: '/nonexistent-openapi-dir' });
  // Nothing connects: Fastify builds the document from the route schemas alone.
  const pool = createPool('postgres://openapi@127.0.0.1:9/none', 1);
  const { privateKey } = generateKeyPairSync('ed25519');
  const desk = compose({
    config,
    db: createDb(pool),
    pool,
    logger: createLogger('silent'),
    clock: systemClock,
    secrets: {
      jwtKeys: [{ kid: 'openapi', secret: randomBytes(32) }],
      auditSigningKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      dataEncryptionKey: randomBytes(32),
    },
  });
  const app = await desk.buildHttp();
  try {
    return app.swagger();
  } finally {
    await app.close();
    await pool.end();
  }
}
