import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDeskCli } from '../../test/support/cli.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';

/** The real `desk` binary against a test database whose desk created its paper hot wallets. */
let database: TestDatabase;
let t: TestServer;
beforeAll(async () => {
  database = await createTestDatabase();
  t = await buildTestServer({ database, prepare: true, env: { PAPER_FAUCET_USDT: '5000' } });
});
afterAll(async () => {
  await t.close();
  await database.drop();
});

const desk = (args: string[]) =>
  runDeskCli(args, { DATABASE_URL: database.url, DESK_DATA_DIR: '/nonexistent-test-dir' });

describe('desk wallets and desk paper', () => {
  it('funds a client address from the faucet, sends its deposit to the hot wallet, and lists the wallets labelled PAPER', async () => {
    const hot = await t.desk.services.wallets.hotWallet(database.db, 'tron');
    const client = t.desk.services.paper.newAddress('tron');
    const funded = await desk(['paper', 'fund', '--network', 'tron', '--to', client, '--amount', '250']);
    expect(funded).toMatchObject({ code: 0, stderr: '' });
    expect(funded.stdout.trim()).toMatch(/^0x[0-9a-f]{64}$/);
    const sent = await desk([
      'paper',
      'send',
      '--network',
      'tron',
      '--from',
      client,
      '--to',
      hot?.address ?? '',
      '--amount',
      '100.5',
    ]);
    expect(sent.code).toBe(0);
    expect(await t.desk.services.paper.adapter.balance('tron', client)).toBe(149_500_000n);

    const tooMuch = await desk([
      'paper',
      'send',
      '--network',
      'tron',
      '--from',
      client,
      '--to',
      hot?.address ?? '',
      '--amount',
      '1000',
    ]);
    expect(tooMuch.code).toBe(1);
    expect(tooMuch.stderr).toBe(
      `desk: the paper chain refused the transfer: insufficient funds in ${client}\n`,
    );
    expect(
      (await desk(['paper', 'fund', '--network', 'bitcoin', '--to', client, '--amount', '1'])).stderr,
    ).toMatch(/--network must be one of tron, ethereum/);

    const listed = await desk(['wallets', '--json']);
    const rows = JSON.parse(listed.stdout) as {
      id: string;
      label: string;
      chainUsdt: string;
      ledgerUsdt: string;
    }[];
    // the deposit is on the chain, not in the ledger (no trade claimed it): the difference shows
    expect(rows).toContainEqual(
      expect.objectContaining({
        id: 'paper:tron:hot',
        label: 'PAPER',
        chainUsdt: '5100.5',
        ledgerUsdt: '5000',
      }),
    );
    const audited = await database.db
      .selectFrom('audit_events')
      .select(['actor_type', 'action'])
      .where('action', '=', 'paper.transfer')
      .execute();
    expect(audited).toEqual([
      { actor_type: 'cli', action: 'paper.transfer' },
      { actor_type: 'cli', action: 'paper.transfer' },
    ]);
  });
});
