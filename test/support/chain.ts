import { createWalletClient, encodeFunctionData, http, type Address, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import {
  startLocalChain,
  TEST_USDT_ABI,
  type LocalChain,
  type LocalChainOptions,
} from '../../scripts/local-chain.js';
import type { Clock } from '../../src/shared/clock.js';
import type { TradeRow } from '../../src/trading/trades.service.js';
import { newClient } from './clients.js';
import { buildTestServer, type TestServer } from './server.js';
import { SETTLEMENT_ENV } from './settlement.js';

export { startLocalChain, type LocalChain };

/** A desk whose `ethereum` network settles on a local hardhat chain started for the test file. */
export async function startChainDesk(
  o: {
    env?: Record<string, string>;
    clock?: Clock;
    chain?: LocalChainOptions;
    chainInstance?: LocalChain;
  } = {},
): Promise<{ t: TestServer; chain: LocalChain; close: () => Promise<void> }> {
  const chain = o.chainInstance ?? (await startLocalChain(o.chain));
  const t = await buildTestServer({
    env: { ...SETTLEMENT_ENV, ...chain.env(), EVM_POLL_MS: '50', ...o.env },
    clock: o.clock,
    prepare: true,
  });
  return {
    t,
    chain,
    close: async () => {
      await t.close();
      if (!o.chainInstance) await chain.stop();
    },
  };
}

/** A client with a key of its own on the chain (to deposit for a sells), whitelisted on ethereum. */
export async function chainClient(t: TestServer, chain: LocalChain, o: { usdt?: bigint; eth?: bigint } = {}) {
  const client = await newClient(t);
  const key = generatePrivateKey();
  const account = privateKeyToAccount(key);
  await t.database.db
    .insertInto('client_addresses')
    .values({
      client_id: client.id,
      network: 'ethereum',
      address: account.address.toLowerCase(),
      status: 'whitelisted',
      whitelisted_at: new Date(),
      removed_at: null,
    })
    .execute();
  if (o.usdt) await chain.mint(account.address, o.usdt);
  await chain.setEth(account.address, o.eth ?? 10n ** 18n);
  return { client, key, account, address: account.address.toLowerCase() as Address };
}

/** Signs a USDT transfer with `key` (a client's deposit, or the hot wallet's key used outside the desk) and sends it. */
export async function sendUsdt(
  chain: LocalChain,
  key: Hex,
  to: string,
  units: bigint,
): Promise<{ hash: Hex; raw: Hex }> {
  const account = privateKeyToAccount(key);
  const wallet = createWalletClient({ account, transport: http(chain.url), cacheTime: 0 });
  const request = await wallet.prepareTransactionRequest({
    to: chain.usdt,
    data: encodeFunctionData({ abi: TEST_USDT_ABI, functionName: 'transfer', args: [to as Address, units] }),
    chain: null,
  });
  const raw = await wallet.signTransaction({ ...request, chain: null });
  const hash = await chain.client.sendRawTransaction({ serializedTransaction: raw });
  return { hash, raw };
}

export const mine = (chain: LocalChain, blocks = 1) =>
  chain.rpc('hardhat_mine', [`0x${blocks.toString(16)}`]);

/** A sell's client pays the desk's EVM hot wallet from its whitelisted address. */
export async function chainDeposit(t: TestServer, chain: LocalChain, key: Hex, trade: TradeRow) {
  const wallet = await t.desk.services.wallets.hotWallet(t.database.db, 'ethereum');
  if (!wallet) throw new Error('no ethereum hot wallet');
  return sendUsdt(chain, key, wallet.address, BigInt(trade.amount_units));
}

/**
 * Runs the settlement worker's steps until nothing moves, mining a block after each round (the
 * confirmations come from blocks), or until `rounds` ran out.
 */
export async function drainOnChain(
  t: TestServer,
  chain: LocalChain,
  o: { rounds?: number; mineEach?: boolean; advance?: (ms: number) => void } = {},
) {
  const worker = t.desk.services.settlement.worker;
  for (let round = 0; round < (o.rounds ?? 30); round++) {
    const open = await t.database.db
      .selectFrom('settlements')
      .select(['id', 'status'])
      .where('status', 'in', ['queued', 'submitted'])
      .execute();
    if (open.length === 0) return;
    for (const s of open) {
      if (s.status === 'queued') await worker.process(s.id);
      else await worker.confirm(s.id);
    }
    if (o.mineEach !== false) await mine(chain);
    o.advance?.(1000);
  }
}
