import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../src/shared/clock.js';
import { gasAccountOf } from '../src/wallets/wallets.service.js';
import { ledger } from '../src/wallets/ledger.js';
import { TEST_USDT_ABI } from '../scripts/local-chain.js';
import { createWalletClient, http, type Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  chainClient,
  chainDeposit,
  drainOnChain,
  mine,
  startChainDesk,
  type LocalChain,
} from './support/chain.js';
import type { TestServer } from './support/server.js';
import { signedInOperator } from './support/factories.js';
import {
  autoSettlementOn,
  bookTrade,
  deskPeople,
  tradingClient,
  U,
  walletsAgree,
} from './support/settlement.js';

/**
 * The `ethereum` network settling real ERC-20 transfers on a local hardhat chain (no mock of viem or
 * JSON-RPC): buys paid and sells received on chain and in the ledger, a stuck transfer replaced, a
 * reverted one retried then flagged, a reorg before finality, the gas posted as a desk expense.
 */
const clock = fixedClock(new Date('2027-03-01T09:00:00Z'));

describe('EVM settlement against a local chain', () => {
  let t: TestServer;
  let chain: LocalChain;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ t, chain, close } = await startChainDesk({
      clock,
      env: {
        CONFIRMATIONS_REQUIRED: 'tron:1,ethereum:2',
        EVM_STUCK_SECONDS: '30',
        SETTLEMENT_MAX_ATTEMPTS: '2',
      },
    }));
    await autoSettlementOn(t, await deskPeople(t));
  });
  afterAll(() => close());

  const db = () => t.database.db;
  const settlementOf = (tradeId: string) =>
    db().selectFrom('settlements').selectAll().where('trade_id', '=', tradeId).executeTakeFirstOrThrow();
  const steps = async (id: string) =>
    (
      await db()
        .selectFrom('settlement_steps')
        .selectAll()
        .where('settlement_id', '=', id)
        .orderBy('id')
        .execute()
    ).map((s) => ({ step: s.step, detail: s.detail }));
  const hot = async () => {
    const w = await t.desk.services.wallets.hotWallet(db(), 'ethereum');
    if (!w) throw new Error('no EVM hot wallet');
    return w;
  };
  const worker = () => t.desk.services.settlement.worker;

  /** Chain equals ledger for USDT and for gas, nothing reserved, every entry balanced. */
  async function agree() {
    // every transaction of the desk's that is mined has its gas posted, once
    const gasEntries = await db()
      .selectFrom('ledger_entries')
      .select('key')
      .where('kind', '=', 'gas')
      .execute();
    const mined: string[] = [];
    for (const a of await db().selectFrom('evm_attempts').select('hash').execute())
      if (await chain.client.getTransactionReceipt({ hash: a.hash as `0x${string}` }).catch(() => null))
        mined.push(a.hash);
    expect(gasEntries.map((g) => g.key).sort()).toEqual(mined.map((h) => `gas:${h}`).sort());
    for (const w of await walletsAgree(t)) expect([w.wallet, w.chain - w.ledger]).toEqual([w.wallet, 0n]);
    const w = await hot();
    expect(await chain.client.getBalance({ address: w.address as Address })).toBe(
      await ledger.balance(db(), gasAccountOf(w), 'ETH'),
    );
    expect(await ledger.unbalancedEntries(db())).toEqual([]);
  }

  it('creates the EVM hot wallet from the key with the chain balances as opening entries; paper stays for tron', async () => {
    const w = await hot();
    expect(w).toMatchObject({ adapter: 'evm', address: chain.hotWallet });
    expect((await t.desk.services.wallets.hotWallet(db(), 'tron'))?.adapter).toBe('paper');
    await agree();
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/wallets',
      headers: (await signedInOperator(t, { roles: ['auditor'] })).bearer,
    });
    const body = res.json<{ items: { id: string; paper: boolean; address: string }[] }>();
    expect(body.items.find((i) => i.id === w.id)).toMatchObject({ paper: false, address: chain.hotWallet });
    expect(res.body).not.toContain(chain.hotWalletKey.slice(2));
  });

  it('buys are paid and sells received on chain and in the ledger: chain balance = ledger balance, gas posted in ETH', async () => {
    const before = await chain.usdtBalance(chain.hotWallet);
    const buyers = await Promise.all([1, 2, 3].map(() => tradingClient(t, 'ethereum')));
    const buys = [];
    for (const [i, b] of buyers.entries())
      buys.push(await bookTrade(t, { usdt: BigInt(100 + i), network: 'ethereum', clientId: b.client.id }));
    const seller = await chainClient(t, chain, { usdt: 1000n * U });
    const sell = await bookTrade(t, {
      usdt: 250n,
      side: 'sell',
      network: 'ethereum',
      clientId: seller.client.id,
    });
    await drainOnChain(t, chain, { rounds: 3 });
    expect((await settlementOf(sell.id)).status).toBe('submitted');
    await chainDeposit(t, chain, seller.key, sell);
    await drainOnChain(t, chain);

    for (const [i, b] of buyers.entries()) {
      const s = await settlementOf(buys[i]!.id);
      expect(s.status).toBe('confirmed');
      expect(await chain.usdtBalance(b.address as Address)).toBe(BigInt(100 + i) * U);
      const receipt = await chain.client.getTransactionReceipt({ hash: s.tx_hash as `0x${string}` });
      expect(receipt.status).toBe('success');
      expect(s.confirmations).toBeGreaterThanOrEqual(2);
    }
    expect((await settlementOf(sell.id)).status).toBe('confirmed');
    expect(await chain.usdtBalance(chain.hotWallet)).toBe(before - 303n * U + 250n * U);
    // gas: one entry per payout, from the wallet's gas account to the desk's gas expense
    const gas = await db()
      .selectFrom('ledger_entries')
      .select(['kind', 'settlement_id'])
      .where('kind', '=', 'gas')
      .execute();
    expect(gas).toHaveLength(3);
    await agree();
    expect((await steps((await settlementOf(buys[0]!.id)).id)).map((s) => s.step)).toEqual([
      'queued',
      'reserved',
      'prepared',
      'broadcast',
      'confirmed',
    ]);
  });

  it('concurrent payouts from one hot wallet take contiguous nonces', async () => {
    const trades = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(async (i) => bookTrade(t, { usdt: BigInt(i), network: 'ethereum' })),
    );
    const ids = await Promise.all(trades.map(async (tr) => (await settlementOf(tr.id)).id));
    await Promise.all(ids.map((id) => worker().process(id)));
    await drainOnChain(t, chain);
    const transfers = await t.desk.services.evm!.transfersOf();
    const nonces = transfers.map((x) => Number(x.nonce));
    expect(nonces).toEqual(Array.from({ length: nonces.length }, (_, i) => nonces[0]! + i));
    expect(await chain.client.getTransactionCount({ address: chain.hotWallet })).toBe(
      nonces[nonces.length - 1]! + 1,
    );
    await agree();
  });

  it('a transfer stuck while mining is paused is replaced at the same nonce with both fees bumped ≥ 12.5 %, and mined once', async () => {
    const { client, address } = await tradingClient(t, 'ethereum');
    const trade = await bookTrade(t, { usdt: 77n, network: 'ethereum', clientId: client.id });
    const s = await settlementOf(trade.id);
    await chain.rpc('evm_setAutomine', [false]);
    try {
      await worker().process(s.id);
      await worker().confirm(s.id);
      const sent = await settlementOf(trade.id);
      expect(sent.status).toBe('submitted');
      s.tx_hash = sent.tx_hash;
      clock.advance(31_000);
      await worker().confirm(s.id); // stuck: replaced
      const attempts = await db()
        .selectFrom('evm_attempts')
        .selectAll()
        .where(
          'transfer_id',
          '=',
          (
            await db()
              .selectFrom('evm_attempts')
              .select('transfer_id')
              .where('hash', '=', s.tx_hash!)
              .executeTakeFirstOrThrow()
          ).transfer_id,
        )
        .orderBy('n')
        .execute();
      expect(attempts.map((a) => a.n)).toEqual([1, 2]);
      const [first, second] = attempts as [(typeof attempts)[0], (typeof attempts)[0]];
      expect(BigInt(second.max_fee_per_gas) * 1000n).toBeGreaterThanOrEqual(
        BigInt(first.max_fee_per_gas) * 1125n,
      );
      expect(BigInt(second.max_priority_fee_per_gas) * 1000n).toBeGreaterThanOrEqual(
        BigInt(first.max_priority_fee_per_gas) * 1125n,
      );
      await mine(chain);
    } finally {
      await chain.rpc('evm_setAutomine', [true]);
    }
    await drainOnChain(t, chain);
    const done = await settlementOf(trade.id);
    expect(done.status).toBe('confirmed');
    expect(done.tx_hash).not.toBe(s.tx_hash); // the replacement is what was mined
    expect(await chain.usdtBalance(address as Address)).toBe(77n * U);
    const timeline = await steps(s.id);
    expect(timeline.map((x) => x.step)).toEqual([
      'queued',
      'reserved',
      'prepared',
      'broadcast',
      'replaced',
      'confirmed',
    ]);
    expect(timeline.find((x) => x.step === 'replaced')?.detail.txHash).toBe(done.tx_hash);
    await agree();
  });

  it('a reverted transfer fails its attempt, keeps its reservation and is signed again with a new nonce; after the last attempt it is flagged, released only then, the gas of both posted', async () => {
    const { client, address } = await tradingClient(t, 'ethereum');
    const trade = await bookTrade(t, { usdt: 55n, network: 'ethereum', clientId: client.id });
    const s = await settlementOf(trade.id);
    const owner = createWalletClient({
      account: privateKeyToAccount(chain.ownerKey),
      transport: http(chain.url),
    });
    const block = (blocked: boolean) =>
      owner.writeContract({
        address: chain.usdt,
        abi: TEST_USDT_ABI,
        functionName: 'setBlackListed',
        args: [address as Address, blocked],
        chain: null,
        maxPriorityFeePerGas: 500n * 10n ** 9n,
        maxFeePerGas: 1000n * 10n ** 9n,
      });
    /** Signed and sent while mining is paused; the owner blocks the client in the same block, ahead of it. */
    const revertNext = async () => {
      await chain.rpc('evm_setAutomine', [false]);
      try {
        await worker().process(s.id);
        expect((await settlementOf(trade.id)).status).toBe('submitted');
        await block(true);
        await mine(chain);
      } finally {
        await chain.rpc('evm_setAutomine', [true]);
      }
      await mine(chain, 2);
      await worker().confirm(s.id);
    };
    await revertNext();
    const first = await settlementOf(trade.id);
    expect(first).toMatchObject({ status: 'queued', attempts: 1 });
    expect(await t.desk.services.wallets.outstanding(db(), s.id)).toBe(1);
    expect(
      await db()
        .selectFrom('ledger_entries')
        .select('key')
        .where('settlement_id', '=', s.id)
        .where('kind', '=', 'gas')
        .execute(),
    ).toHaveLength(1);
    await block(false);
    await revertNext();
    const failed = await settlementOf(trade.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 2 });
    expect(await t.desk.services.wallets.outstanding(db(), s.id)).toBe(0);
    expect(
      await db()
        .selectFrom('ledger_entries')
        .select('key')
        .where('settlement_id', '=', s.id)
        .where('kind', '=', 'gas')
        .execute(),
    ).toHaveLength(2);
    const transfers = await db()
      .selectFrom('evm_transfers')
      .select('nonce')
      .where('reference', '=', s.id)
      .orderBy('nonce')
      .execute();
    expect(transfers).toHaveLength(2);
    expect(Number(transfers[1]!.nonce)).toBe(Number(transfers[0]!.nonce) + 1);
    const event = await db()
      .selectFrom('settlement_flagged_events')
      .selectAll()
      .where('trade_id', '=', trade.id)
      .executeTakeFirstOrThrow();
    expect(event.reason).toBe('MAX_RETRIES_EXCEEDED');
    expect(event.detail).toMatch(/reverted on chain/);
    expect(await chain.usdtBalance(address as Address)).toBe(0n);
    await agree();
  });

  it('a transfer whose block leaves the chain before it is final goes back to waiting, is re-sent from its stored bytes, and is posted once', async () => {
    await drainOnChain(t, chain);
    const { client, address } = await tradingClient(t, 'ethereum');
    const trade = await bookTrade(t, { usdt: 42n, network: 'ethereum', clientId: client.id });
    const s = await settlementOf(trade.id);
    const snapshot = await chain.rpc<string>('evm_snapshot');
    await worker().process(s.id); // mined at once (automine): 1 confirmation of 2
    await worker().confirm(s.id);
    const mined = await settlementOf(trade.id);
    expect(mined).toMatchObject({ status: 'submitted', confirmations: 1 });
    expect(await chain.usdtBalance(address as Address)).toBe(42n * U);
    await chain.rpc('evm_revert', [snapshot]); // the block is gone
    expect(await chain.usdtBalance(address as Address)).toBe(0n);
    await mine(chain, 2);
    await worker().confirm(s.id); // unknown to the chain: the stored bytes again
    const waiting = await settlementOf(trade.id);
    expect(waiting.status).toBe('submitted');
    await drainOnChain(t, chain);
    const done = await settlementOf(trade.id);
    expect(done).toMatchObject({ status: 'confirmed', tx_hash: s.tx_hash ?? mined.tx_hash });
    expect(await chain.usdtBalance(address as Address)).toBe(42n * U);
    const names = (await steps(s.id)).map((x) => x.step);
    expect(names).toContain('left_chain');
    expect(names.filter((n) => n === 'confirmed')).toHaveLength(1);
    const settles = await db()
      .selectFrom('ledger_entries')
      .select('id')
      .where('settlement_id', '=', s.id)
      .where('kind', '=', 'settle')
      .execute();
    expect(settles).toHaveLength(1);
    await agree();
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from evm_transfers where reference = ${s.id}`.execute(db());
    expect(rows[0]?.n).toBe(1); // one transfer, sent twice
  });
});
