import { startEmbeddedPostgres } from '../../src/shared/embedded-postgres.js';

/**
 * A stand-in for another desk process on the same data folder (test/embedded-postgres.test.ts):
 * starts or joins the embedded PostgreSQL under argv[2], prints `{"started":…,"url":…}`, holds it
 * until stdin closes, then stops as a desk process does and exits 0.
 */
const pg = await startEmbeddedPostgres({ dataDir: process.argv[2] ?? '.desk' });
process.stdout.write(`${JSON.stringify({ started: pg.started, url: pg.url() })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void pg.stop().then(() => process.exit(0));
});
