import { encodeFunctionData, erc20Abi, keccak256, type Address, type Hex } from 'viem';
import type { Clock } from '../../shared/clock.js';
import type { Db } from '../../shared/db.js';
import { isUniqueViolation } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import {
  ChainError,
  FeeCapExceeded,
  TransferDead,
  type AttemptInfo,
  type FollowResult,
  type TransferPlan,
  type WalletAdapter,
} from '../adapter.js';
import type { EvmChain } from './evm.connect.js';
import { createDepositScanner } from './evm.deposits.js';
import { bumped, capped, offer, weiToGwei, type Fees } from './evm.fees.js';
import { NONCE_HIGH, RefusedForGood, sendRaw } from './evm.send.js';
import { evmStore, type AttemptRow, type TransferRow } from './evm.store.js';

export const GAS_ASSET = 'ETH';
const FILLER_GAS = 21_000n;

interface EvmPlan {
  gas: bigint;
  fees: Fees;
}

const feesOf = (a: AttemptRow): Fees => ({
  maxFeePerGas: BigInt(a.max_fee_per_gas),
  maxPriorityFeePerGas: BigInt(a.max_priority_fee_per_gas),
});
const info = (a: AttemptRow): AttemptInfo => ({
  txHash: a.hash,
  n: a.n,
  filler: a.filler,
  maxFeeGwei: weiToGwei(BigInt(a.max_fee_per_gas)),
  priorityFeeGwei: weiToGwei(BigInt(a.max_priority_fee_per_gas)),
  at: a.created_at.toISOString(),
});
const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';

/**
 * ERC-20 USDT over EVM JSON-RPC (viem, a local key). The worker sees no nonce: `sign` takes the hot
 * wallet's next nonce from PostgreSQL in the caller's transaction and stores the signed bytes with it;
 * every later transaction at that nonce (a fee-bumped replacement when stuck, a zero-value filler when
 * the desk gives the transfer up or the node refuses it for good) is stored before it is sent, so a
 * crash re-sends exactly what was signed. `follow` reads receipts of every attempt: whichever is mined
 * settles the transfer, counted in confirmations from its block on the canonical chain.
 */
export function createEvmAdapter(deps: {
  db: Db;
  clock: Clock;
  chain: EvmChain;
  logger: Logger;
  /** Blocks after which a receipt (and a deposit) is final. */
  confirmations: number;
}) {
  const { db, clock, chain } = deps;
  const { client, account, chainId } = chain;
  const hot = account.address;
  const deposits = createDepositScanner({ ...deps, token: chain.usdt });

  async function currentFees(): Promise<{ fees: Fees; baseFee: bigint }> {
    const [block, tip] = await Promise.all([
      client.getBlock({ blockTag: 'latest' }),
      client.estimateMaxPriorityFeePerGas(),
    ]);
    const baseFee = block.baseFeePerGas ?? 0n;
    return { fees: offer(baseFee, tip), baseFee };
  }

  async function cappedFees(): Promise<Fees> {
    const { fees, baseFee } = await currentFees();
    const ok = capped(fees, baseFee, chain.maxFeeWei);
    if (!ok)
      throw new FeeCapExceeded(
        `network fees (base ${weiToGwei(baseFee)} gwei + tip ${weiToGwei(fees.maxPriorityFeePerGas)} gwei) are above EVM_MAX_FEE_GWEI=${weiToGwei(chain.maxFeeWei)}: waiting for them to fall`,
      );
    return ok;
  }

  /** Signs another transaction at a transfer's nonce and stores it (its own small transaction) before anyone sends it. */
  async function signAgain(t: TransferRow, previous: AttemptRow, fees: Fees, filler: boolean) {
    const nonce = Number(t.nonce);
    const raw = filler
      ? await account.signTransaction({
          chainId,
          type: 'eip1559',
          to: hot,
          value: 0n,
          nonce,
          gas: FILLER_GAS,
          ...fees,
        })
      : await account.signTransaction({
          chainId,
          type: 'eip1559',
          to: t.token as Address,
          data: encodeFunctionData({
            abi: erc20Abi,
            functionName: 'transfer',
            args: [t.to_address as Address, BigInt(t.amount)],
          }),
          value: 0n,
          nonce,
          gas: BigInt(previous.gas_limit),
          ...fees,
        });
    const row: AttemptRow = {
      hash: keccak256(raw),
      transfer_id: t.id,
      n: previous.n + 1,
      filler,
      raw,
      gas_limit: (filler ? FILLER_GAS : BigInt(previous.gas_limit)).toString(),
      max_fee_per_gas: fees.maxFeePerGas.toString(),
      max_priority_fee_per_gas: fees.maxPriorityFeePerGas.toString(),
      created_at: clock.now(),
    };
    try {
      await evmStore.insertAttempt(db, row);
    } catch (err) {
      if (isUniqueViolation(err)) return undefined; // another worker stored its own attempt n+1 first
      throw err;
    }
    return row;
  }

  /**
   * The wallet's earlier transfers the node has not seen (a worker died between storing and sending,
   * or they were sent out of order): their stored bytes again, in nonce order.
   */
  async function sendEarlier(t: TransferRow): Promise<void> {
    const count = BigInt(await client.getTransactionCount({ address: hot, blockTag: 'pending' }));
    const gap = await evmStore.transfersBetween(db, chainId, hot, count, BigInt(t.nonce));
    for (const earlier of gap) {
      const all = await evmStore.attempts(db, earlier.id);
      const latest = all[all.length - 1];
      if (latest) await sendRaw(client, latest.raw as Hex).catch(() => undefined);
    }
  }

  /** Sends an attempt; a permanent refusal fills its nonce (a zero-value transaction) so later ones can go. */
  async function send(t: TransferRow, a: AttemptRow): Promise<void> {
    try {
      try {
        await sendRaw(client, a.raw as Hex);
      } catch (err) {
        if (!(err instanceof ChainError) || err instanceof RefusedForGood || !NONCE_HIGH.test(err.message))
          throw err;
        await sendEarlier(t);
        await sendRaw(client, a.raw as Hex);
      }
    } catch (err) {
      if (!(err instanceof RefusedForGood) || a.filler) throw err;
      const filler = await signAgain(t, a, bumped(feesOf(a), (await currentFees()).fees), true);
      if (filler) await sendRaw(client, filler.raw as Hex).catch(() => undefined); // follow sends it again
      throw new TransferDead(
        `the node refused the transaction for good (${err.message}); nonce ${t.nonce} filled with a zero-value transaction`,
      );
    }
  }

  async function ours(txHash: string) {
    const a = await evmStore.attempt(db, txHash);
    if (!a) return undefined;
    const t = await evmStore.transfer(db, a.transfer_id);
    return { t, all: await evmStore.attempts(db, t.id) };
  }

  const receipt = (hash: string) =>
    client.request({ method: 'eth_getTransactionReceipt', params: [hash as Hex] });

  /** Where a transfer stands, with no side effect; `latest` is the attempt to send when nothing is mined. */
  async function inspect(t: TransferRow, all: AttemptRow[]) {
    const head = await client.getBlockNumber();
    const attempts = all.map(info);
    for (const a of [...all].reverse()) {
      const r = await receipt(a.hash);
      if (!r?.blockNumber) continue;
      const block = Number(BigInt(r.blockNumber));
      const confirmations = Number(head) - block + 1;
      const final = confirmations >= deps.confirmations;
      const fees = final
        ? [{ txHash: a.hash, asset: GAS_ASSET, units: BigInt(r.gasUsed) * BigInt(r.effectiveGasPrice) }]
        : [];
      const result: FollowResult = a.filler
        ? {
            fate: final
              ? { state: 'dead', why: `nonce ${t.nonce} was filled by a zero-value transaction (${a.hash})` }
              : { state: 'pending', note: 'the nonce is being filled' },
            attempts,
            fees,
          }
        : {
            fate: { state: 'mined', txHash: a.hash, confirmations, success: r.status === '0x1', block },
            attempts,
            fees,
          };
      return { result, head };
    }
    const used = await client.getTransactionCount({ address: hot, blockTag: 'latest' });
    if (BigInt(used) > BigInt(t.nonce)) {
      const finalBlock = head - BigInt(deps.confirmations) + 1n;
      const usedThen =
        finalBlock >= 0n ? await client.getTransactionCount({ address: hot, blockNumber: finalBlock }) : 0;
      await evmStore.ensureNonce(db, chainId, hot, BigInt(used));
      const result: FollowResult =
        BigInt(usedThen) > BigInt(t.nonce)
          ? {
              fate: {
                state: 'dead',
                why: `nonce ${t.nonce} was used by a transaction the desk did not sign`,
              },
              attempts,
              fees: [],
            }
          : {
              fate: { state: 'pending', note: 'the nonce was used by another transaction' },
              attempts,
              fees: [],
            };
      return { result, head };
    }
    return { result: null, head };
  }

  /** Someone else's transaction (a client's deposit): only its receipt. */
  async function followForeign(txHash: string): Promise<FollowResult> {
    const [r, head] = await Promise.all([receipt(txHash), client.getBlockNumber()]);
    if (r?.blockNumber) {
      const block = Number(BigInt(r.blockNumber));
      return {
        fate: {
          state: 'mined',
          txHash,
          confirmations: Number(head) - block + 1,
          success: r.status === '0x1',
          block,
        },
        attempts: [],
        fees: [],
      };
    }
    const known = await client.request({ method: 'eth_getTransactionByHash', params: [txHash as Hex] });
    return { fate: known ? { state: 'pending' } : { state: 'unknown' }, attempts: [], fees: [] };
  }

  const adapter: WalletAdapter = {
    kind: 'evm',
    paper: false,
    gasAsset: GAS_ASSET,

    balance: (_network, address) =>
      client.readContract({
        address: chain.usdt,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [address as Address],
      }),

    async plan(request): Promise<TransferPlan> {
      const fees = await cappedFees();
      let gas: bigint;
      try {
        gas = await client.estimateContractGas({
          address: chain.usdt,
          abi: erc20Abi,
          functionName: 'transfer',
          args: [request.to as Address, request.amountUnits],
          account: hot,
        });
      } catch (err) {
        throw new ChainError(`the transfer would fail on chain: ${message(err)}`);
      }
      const plan: EvmPlan = { gas: (gas * 12n) / 10n, fees };
      return { request, chain: plan };
    },

    async sign(tx, plan) {
      const p = plan.chain as EvmPlan;
      const { request } = plan;
      const [nonce] = await evmStore.takeNonces(tx, chainId, hot, 1);
      if (nonce === undefined) throw new Error('no nonce');
      const raw = await account.signTransaction({
        chainId,
        type: 'eip1559',
        to: chain.usdt,
        data: encodeFunctionData({
          abi: erc20Abi,
          functionName: 'transfer',
          args: [request.to as Address, request.amountUnits],
        }),
        value: 0n,
        nonce: Number(nonce),
        gas: p.gas,
        ...p.fees,
      });
      const hash = keccak256(raw);
      const id = await evmStore.insertTransfer(tx, {
        chain_id: String(chainId),
        from_address: hot.toLowerCase(),
        nonce: nonce.toString(),
        token: chain.usdt.toLowerCase(),
        to_address: request.to.toLowerCase(),
        amount: request.amountUnits.toString(),
        reference: request.reference,
        created_at: clock.now(),
      });
      await evmStore.insertAttempt(tx, {
        hash,
        transfer_id: id,
        n: 1,
        filler: false,
        raw,
        gas_limit: p.gas.toString(),
        max_fee_per_gas: p.fees.maxFeePerGas.toString(),
        max_priority_fee_per_gas: p.fees.maxPriorityFeePerGas.toString(),
        created_at: clock.now(),
      });
      return {
        txHash: hash,
        raw,
        detail: {
          nonce: nonce.toString(),
          maxFeeGwei: weiToGwei(p.fees.maxFeePerGas),
          priorityFeeGwei: weiToGwei(p.fees.maxPriorityFeePerGas),
        },
      };
    },

    /** Sends the transfer's latest attempt (a replacement supersedes the bytes the worker holds). */
    async broadcast(_network, raw) {
      const found = await ours(keccak256(raw as Hex));
      if (!found) {
        await sendRaw(client, raw as Hex);
        return;
      }
      const latest = found.all[found.all.length - 1];
      if (!latest) throw new Error('a transfer without an attempt');
      if (latest.filler)
        throw new TransferDead(`nonce ${found.t.nonce} was filled: this transfer cannot be mined`);
      await send(found.t, latest);
    },

    async follow(_network, txHash) {
      const found = await ours(txHash);
      if (!found) return followForeign(txHash);
      const { t, all } = found;
      const { result } = await inspect(t, all);
      if (result) return result;
      const latest = all[all.length - 1];
      if (!latest) throw new Error('a transfer without an attempt');
      const attempts = all.map(info);
      const known = await client.request({
        method: 'eth_getTransactionByHash',
        params: [latest.hash as Hex],
      });
      if (!known) {
        // never sent, dropped, or its block left the chain: the stored bytes again
        try {
          await send(t, latest);
        } catch (err) {
          if (err instanceof TransferDead)
            return { fate: { state: 'pending', note: err.message }, attempts, fees: [] };
          throw err;
        }
        return { fate: { state: 'unknown' }, attempts, fees: [] };
      }
      if (clock.now().getTime() - latest.created_at.getTime() < chain.stuckSeconds * 1000)
        return { fate: { state: 'pending' }, attempts, fees: [] };
      // Stuck: the same nonce again with both fees bumped ≥ 12.5 %, stored before it is sent.
      const next = bumped(feesOf(latest), (await currentFees()).fees);
      if (next.maxFeePerGas > chain.maxFeeWei)
        return {
          fate: {
            state: 'pending',
            note: `stuck since ${latest.created_at.toISOString()}: a replacement needs ${weiToGwei(next.maxFeePerGas)} gwei, above EVM_MAX_FEE_GWEI=${weiToGwei(chain.maxFeeWei)}`,
          },
          attempts,
          fees: [],
        };
      const replacement = await signAgain(t, latest, next, latest.filler);
      if (replacement) {
        deps.logger.info(
          { nonce: t.nonce, previous: latest.hash, replacement: replacement.hash },
          'stuck transfer replaced',
        );
        await send(t, replacement).catch((err: unknown) =>
          deps.logger.warn(
            { error: message(err) },
            'sending a replacement failed: it is sent again on the next poll',
          ),
        );
        attempts.push(info(replacement));
      }
      return { fate: { state: 'pending' }, attempts, fees: [] };
    },

    /** Gives a transfer up: it landed, or its nonce is filled (a zero-value transaction) until the filler is final. */
    async abandon(_network, txHash) {
      const found = await ours(txHash);
      if (!found) return { outcome: 'dead', fees: [] };
      const { t, all } = found;
      const { result } = await inspect(t, all);
      if (result?.fate.state === 'mined') return { outcome: 'landed', fees: [] };
      if (result?.fate.state === 'dead') return { outcome: 'dead', fees: result.fees };
      let filler = all.find((a) => a.filler);
      const latest = all[all.length - 1];
      if (!filler && latest)
        filler = await signAgain(t, latest, bumped(feesOf(latest), (await currentFees()).fees), true);
      if (filler) await send(t, filler).catch(() => undefined);
      return { outcome: 'pending', fees: [] };
    },

    incomingTransfers: (_network, to, opts = {}) => deposits.incoming(to, opts.from),

    async snapshot(_network, address) {
      const head = await client.getBlockNumber();
      const [usdt, eth] = await Promise.all([
        client.readContract({
          address: chain.usdt,
          abi: erc20Abi,
          functionName: 'balanceOf',
          args: [address as Address],
          blockNumber: head,
        }),
        client.getBalance({ address: address as Address, blockNumber: head }),
      ]);
      return {
        height: Number(head),
        balances: [
          { asset: 'USDT', units: usdt },
          { asset: GAS_ASSET, units: eth },
        ],
      };
    },

    async mined(_network, txHash) {
      const found = await ours(txHash);
      for (const hash of found ? found.all.map((a) => a.hash) : [txHash]) {
        const r = await receipt(hash);
        if (!r?.blockNumber) continue;
        const filler = found?.all.find((a) => a.hash === hash)?.filler ?? false;
        return {
          block: Number(BigInt(r.blockNumber)),
          success: r.status === '0x1' && !filler,
          gas: found
            ? { txHash: hash, asset: GAS_ASSET, units: BigInt(r.gasUsed) * BigInt(r.effectiveGasPrice) }
            : null,
        };
      }
      return null;
    },
  };

  return {
    adapter,
    hotAddress: hot,
    chainId,
    /** The nonce row and the deposit cursor, from the chain, on first start. */
    async start() {
      const pending = await client.getTransactionCount({ address: hot, blockTag: 'pending' });
      await evmStore.ensureNonce(db, chainId, hot, BigInt(pending));
      await deposits.ensureCursor(hot);
    },
    gasBalance: () => client.getBalance({ address: hot }),
    transfersOf: () => evmStore.transfersOf(db, chainId, hot),
  };
}

export type EvmAdapter = ReturnType<typeof createEvmAdapter>;
