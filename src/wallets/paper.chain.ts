import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Clock } from '../shared/clock.js';
import { withTransaction, type Db, type Executor } from '../shared/db.js';
import { isUniqueViolation } from '../shared/errors.js';
import type { Network } from '../shared/networks.js';
import {
  ChainError,
  TransferDead,
  type ChainTransfer,
  type PreparedTransfer,
  type TransferRequest,
  type WalletAdapter,
} from './adapter.js';

/** The address the paper faucet pays from: it has no balance and needs none. */
export const PAPER_FAUCET = 'PAPER-FAUCET';

interface RawTransfer {
  chain: 'paper';
  network: Network;
  from: string;
  to: string;
  amount: string;
  /** The settlement (or other reference) this transfer is for: the same reference gives the same hash. */
  reference: string;
}

const hashOf = (raw: string) => `0x${createHash('sha256').update(raw).digest('hex')}`;

function parseRaw(raw: string): RawTransfer {
  const t = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as RawTransfer;
  if (t.chain !== 'paper' || !t.from || !t.to || !/^[1-9]\d*$/.test(t.amount))
    throw new ChainError('not a paper transfer');
  return t;
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/**
 * The paper chain: a simulated blockchain in PostgreSQL, the default for a local desk. Blocks advance
 * with time (one every `block_seconds` since the chain's genesis); a transfer is accepted at
 * broadcast (the sender debited, the receiver credited) and lands in the next block, so its
 * confirmations count the blocks since. Re-broadcasting a transfer it already has is a no-op.
 */
export function createPaperChain(deps: { db: Db; clock: Clock; blockSeconds: number }) {
  const { db, clock } = deps;
  const genesis = new Map<Network, { at: number; seconds: number }>();

  async function chain(network: Network) {
    let g = genesis.get(network);
    if (!g) {
      await db
        .insertInto('paper_chains')
        .values({ network, genesis_at: clock.now(), block_seconds: deps.blockSeconds })
        .onConflict((oc) => oc.column('network').doNothing())
        .execute();
      const row = await db
        .selectFrom('paper_chains')
        .selectAll()
        .where('network', '=', network)
        .executeTakeFirstOrThrow();
      g = { at: row.genesis_at.getTime(), seconds: row.block_seconds };
      genesis.set(network, g);
    }
    return g;
  }

  async function height(network: Network): Promise<number> {
    const g = await chain(network);
    return Math.max(0, Math.floor((clock.now().getTime() - g.at) / (g.seconds * 1000)));
  }

  async function balance(network: Network, address: string): Promise<bigint> {
    const row = await db
      .selectFrom('paper_accounts')
      .select('balance')
      .where('network', '=', network)
      .where('address', '=', address)
      .executeTakeFirst();
    return BigInt(row?.balance ?? '0');
  }

  /** Serializes what is done with one transfer: its broadcast, its voiding, its signing again. */
  const lockTransfer = (tx: Executor, hash: string) =>
    sql`select pg_advisory_xact_lock(hashtextextended(${`paper:${hash}`}, 0))`.execute(tx);

  /** In `ex` when it is an open transaction (the transfer then commits with the caller's work), else in its own. */
  async function broadcast(network: Network, raw: string, ex: Executor = db): Promise<{ txHash: string }> {
    const t = parseRaw(raw);
    if (t.network !== network) throw new ChainError(`a ${t.network} transfer cannot be sent on ${network}`);
    const hash = hashOf(raw);
    const block = (await height(network)) + 1;
    const amount = BigInt(t.amount);
    await withTransaction(ex, async (tx) => {
      await lockTransfer(tx, hash);
      if (await tx.selectFrom('paper_voided').select('hash').where('hash', '=', hash).executeTakeFirst())
        throw new TransferDead('the desk gave this paper transfer up: it is refused');
      // Two broadcasts of one transfer at once: the second one's insert fails on the hash and rolls back its debit.
      if (
        await tx.selectFrom('paper_transactions').select('hash').where('hash', '=', hash).executeTakeFirst()
      )
        return;
      if (t.from !== PAPER_FAUCET) {
        const debited = await tx
          .updateTable('paper_accounts')
          .set({ balance: sql`balance - ${amount.toString()}::numeric` })
          .where('network', '=', network)
          .where('address', '=', t.from)
          .where(sql<boolean>`balance >= ${amount.toString()}::numeric`)
          .executeTakeFirst();
        if (debited.numUpdatedRows === 0n) throw new ChainError(`insufficient funds in ${t.from}`);
      }
      await tx
        .insertInto('paper_accounts')
        .values({ network, address: t.to, balance: amount.toString() })
        .onConflict((oc) =>
          oc
            .columns(['network', 'address'])
            .doUpdateSet({ balance: sql`paper_accounts.balance + excluded.balance` }),
        )
        .execute();
      await tx
        .insertInto('paper_transactions')
        .values({
          hash,
          network,
          from_address: t.from,
          to_address: t.to,
          amount: amount.toString(),
          raw,
          block_height: block,
          broadcast_at: clock.now(),
        })
        .execute();
    }).catch((err: unknown) => {
      if (!isUniqueViolation(err)) throw err;
    });
    return { txHash: hash };
  }

  function prepareTransfer(t: TransferRequest): PreparedTransfer {
    const body: RawTransfer = {
      chain: 'paper',
      network: t.network,
      from: t.from,
      to: t.to,
      amount: t.amountUnits.toString(),
      reference: t.reference,
    };
    const raw = Buffer.from(JSON.stringify(body)).toString('base64url');
    return { txHash: hashOf(raw), raw };
  }

  async function landed(network: Network, txHash: string, ex: Executor = db) {
    const row = await ex
      .selectFrom('paper_transactions')
      .select('block_height')
      .where('hash', '=', txHash)
      .where('network', '=', network)
      .executeTakeFirst();
    return row ? Number(row.block_height) : null;
  }

  async function confirmations(network: Network, txHash: string, ex: Executor = db) {
    const block = await landed(network, txHash, ex);
    if (block === null) return null;
    return Math.max(0, (await height(network)) - block + 1);
  }

  const adapter: WalletAdapter & {
    broadcast: typeof broadcast;
    prepareTransfer: (t: TransferRequest) => Promise<PreparedTransfer>;
    confirmations: typeof confirmations;
  } = {
    kind: 'paper',
    paper: true,
    gasAsset: null,
    balance,
    prepareTransfer: async (t) => prepareTransfer(t),
    confirmations,
    plan: async (request) => ({ request }),
    /** Deterministic (the same request signs to the same transfer); signing it again lifts a voiding. */
    async sign(tx, plan) {
      const prepared = prepareTransfer(plan.request);
      await lockTransfer(tx, prepared.txHash);
      await tx.deleteFrom('paper_voided').where('hash', '=', prepared.txHash).execute();
      return prepared;
    },
    broadcast,
    async follow(network, txHash) {
      const block = await landed(network, txHash);
      if (block === null) {
        const voided = await db
          .selectFrom('paper_voided')
          .select('hash')
          .where('hash', '=', txHash)
          .executeTakeFirst();
        return {
          fate: voided ? { state: 'dead', why: 'given up by the desk' } : { state: 'unknown' },
          attempts: [],
          fees: [],
        };
      }
      const confirmed = Math.max(0, (await height(network)) - block + 1);
      return {
        fate: { state: 'mined', txHash, confirmations: confirmed, success: true, block },
        attempts: [],
        fees: [],
      };
    },
    /** Atomic on the paper chain: the transfer is on it already, or it is voided and refused from now on. */
    async abandon(network, txHash) {
      return withTransaction(db, async (tx) => {
        await lockTransfer(tx, txHash);
        if ((await landed(network, txHash, tx)) !== null) return { outcome: 'landed' as const, fees: [] };
        await tx
          .insertInto('paper_voided')
          .values({ hash: txHash, at: clock.now() })
          .onConflict((oc) => oc.doNothing())
          .execute();
        return { outcome: 'dead' as const, fees: [] };
      });
    },
    /** Paper balances include the transfers accepted for the next block: that is the block they stand at. */
    async snapshot(network, address) {
      return {
        height: (await height(network)) + 1,
        balances: [{ asset: 'USDT', units: await balance(network, address) }],
      };
    },
    async mined(network, txHash) {
      const block = await landed(network, txHash);
      return block === null ? null : { block, success: true, gas: null };
    },
    async incomingTransfers(network, to, opts = {}): Promise<ChainTransfer[]> {
      const now = await height(network);
      let q = db
        .selectFrom('paper_transactions')
        .selectAll()
        .where('network', '=', network)
        .where('to_address', '=', to)
        .orderBy('block_height')
        .orderBy('hash');
      if (opts.from) q = q.where('from_address', '=', opts.from);
      const rows = await q.execute();
      return rows.map((r) => ({
        txHash: r.hash,
        from: r.from_address,
        to: r.to_address,
        amountUnits: BigInt(r.amount),
        blockHeight: Number(r.block_height),
        confirmations: Math.max(0, now - Number(r.block_height) + 1),
      }));
    },
  };

  return {
    adapter,
    height,
    /** A fresh address in the network's usual shape (it only has to be unique on the paper chain). */
    newAddress(network: Network): string {
      if (network === 'ethereum') return `0x${randomBytes(20).toString('hex')}`;
      const bytes = randomBytes(33);
      return `T${Array.from(bytes, (b) => BASE58[b % 58]).join('')}`;
    },
    /** Sends from anyone's paper address (a client's deposit in tests and demos, or the faucet). */
    async send(
      network: Network,
      from: string,
      to: string,
      amountUnits: bigint,
      reference = randomBytes(8).toString('hex'),
    ) {
      const prepared = prepareTransfer({ network, from, to, amountUnits, reference });
      return broadcast(network, prepared.raw);
    },
  };
}

export type PaperChain = ReturnType<typeof createPaperChain>;
