import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { buildTestServer, type TestServer } from './support/server.js';
import {
  chainClient,
  chainDeposit,
  drainOnChain,
  mine,
  startLocalChain,
  type LocalChain,
} from './support/chain.js';
import {
  autoSettlementOn,
  bookTrade,
  deskPeople,
  SETTLEMENT_ENV,
  U,
  walletsAgree,
} from './support/settlement.js';

/**
 * Sells on the EVM chain: the deposit is found in the token's Transfer logs to the hot wallet, scanned
 * from a cursor kept in PostgreSQL. A deposit made while the desk is down is found after the restart;
 * one whose block is replaced by a reorg is forgotten and found again in its new block; each is
 * claimed by exactly one settlement and posted once.
 */
describe('EVM deposits across a restart and a reorg', () => {
  let chain: LocalChain;
  let database: TestDatabase;
  let t: TestServer;
  const env = () => ({
    ...SETTLEMENT_ENV,
    ...chain.env(),
    EVM_POLL_MS: '10',
    CONFIRMATIONS_REQUIRED: 'tron:1,ethereum:3',
  });
  beforeAll(async () => {
    chain = await startLocalChain();
    database = await createTestDatabase();
    t = await buildTestServer({ env: env(), database, prepare: true });
    await autoSettlementOn(t, await deskPeople(t));
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
    await chain?.stop();
  });

  const db = () => database.db;
  const settlementOf = (tradeId: string) =>
    db().selectFrom('settlements').selectAll().where('trade_id', '=', tradeId).executeTakeFirstOrThrow();
  const deposits = () => db().selectFrom('evm_deposits').selectAll().orderBy('block_number').execute();
  const restart = async () => {
    await t.close();
    t = await buildTestServer({ env: env(), database, prepare: true });
  };

  it('finds each deposit once: one seen before a restart and moved by a reorg, one made while the desk was down', async () => {
    const a = await chainClient(t, chain, { usdt: 1000n * U });
    const b = await chainClient(t, chain, { usdt: 1000n * U });
    const sellA = await bookTrade(t, {
      usdt: 300n,
      side: 'sell',
      network: 'ethereum',
      clientId: a.client.id,
    });
    const sellB = await bookTrade(t, {
      usdt: 400n,
      side: 'sell',
      network: 'ethereum',
      clientId: b.client.id,
    });
    // the wrong amount from A's address, and the right amount from an address nobody whitelisted: neither settles anything
    await chainDeposit(t, chain, a.key, { ...sellA, amount_units: String(299n * U) });
    const stranger = await chainClient(t, chain, { usdt: 1000n * U });
    await chainDeposit(t, chain, stranger.key, sellA);

    await drainOnChain(t, chain, { rounds: 2 }); // both awaiting their deposits
    const snapshot = await chain.rpc<string>('evm_snapshot');
    const depositA = await chainDeposit(t, chain, a.key, sellA);
    await t.desk.services.settlement.worker.confirm((await settlementOf(sellA.id)).id);
    const seen = await settlementOf(sellA.id);
    expect(seen.tx_hash).toBe(depositA.hash);
    expect(seen.status).toBe('submitted'); // 1 confirmation of 3

    await restart();
    // while the desk is down: a reorg drops A's block, A's deposit lands again in another block, B deposits
    await chain.rpc('evm_revert', [snapshot]);
    await mine(chain, 3);
    await chain.client.sendRawTransaction({ serializedTransaction: depositA.raw });
    const depositB = await chainDeposit(t, chain, b.key, sellB);

    await drainOnChain(t, chain);
    const [sa, sb] = [await settlementOf(sellA.id), await settlementOf(sellB.id)];
    expect([sa.status, sa.tx_hash]).toEqual(['confirmed', depositA.hash]);
    expect([sb.status, sb.tx_hash]).toEqual(['confirmed', depositB.hash]);
    const kept = await deposits();
    const ofA = kept.filter((d) => d.tx_hash === depositA.hash);
    expect(ofA).toHaveLength(1);
    const receipt = await chain.client.getTransactionReceipt({ hash: depositA.hash });
    expect([ofA[0]?.block_number, ofA[0]?.block_hash]).toEqual([
      String(receipt.blockNumber),
      receipt.blockHash,
    ]);
    expect(kept.filter((d) => d.tx_hash === depositB.hash)).toHaveLength(1);
    const settles = await db()
      .selectFrom('ledger_entries')
      .select('settlement_id')
      .where('kind', '=', 'settle')
      .where('settlement_id', 'in', [sa.id, sb.id])
      .execute();
    expect(settles).toHaveLength(2);
    // the hot wallet holds the two deposits and the two it did not ask for; the ledger the two it settled
    const w = (await walletsAgree(t)).find((x) => x.wallet.startsWith('evm:'));
    expect(w && w.chain - w.ledger).toBe(299n * U + 300n * U);
  });
});
