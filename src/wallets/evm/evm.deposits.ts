import { sql } from 'kysely';
import { parseAbiItem, type Address } from 'viem';
import type { Clock } from '../../shared/clock.js';
import { withTransaction, type Db } from '../../shared/db.js';
import type { ChainTransfer } from '../adapter.js';
import type { EvmChain } from './evm.connect.js';

const TRANSFER = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)');
/** Blocks read per scan at most (a node caps eth_getLogs ranges; the next scan continues). */
const MAX_RANGE = 2000n;

/**
 * The token's Transfer logs to a hot wallet, kept in `evm_deposits`, scanned from a block cursor kept
 * in PostgreSQL. Each scan reads the blocks not yet final again with the new ones: a log whose block
 * left the chain is forgotten, one that moved to another block is updated, so a restart neither
 * misses a deposit nor sees one twice. Logs below the final depth are never revisited.
 */
export function createDepositScanner(deps: {
  db: Db;
  clock: Clock;
  chain: EvmChain;
  token: Address;
  confirmations: number;
}) {
  const { db, chain } = deps;
  const chainId = String(chain.chainId);
  const token = deps.token.toLowerCase();
  let inFlight: Promise<bigint> | undefined;
  let lastScan = 0;

  const cursorOf = async (address: string) =>
    db
      .selectFrom('evm_scan_cursors')
      .select('next_block')
      .where('chain_id', '=', chainId)
      .where('token', '=', token)
      .where('address', '=', address.toLowerCase())
      .executeTakeFirst();

  async function scan(address: string): Promise<bigint> {
    const to = address.toLowerCase();
    const head = await chain.client.getBlockNumber();
    const cursor = await cursorOf(to);
    if (!cursor) throw new Error(`no deposit cursor for ${address}: the adapter was not started`);
    const next = BigInt(cursor.next_block);
    const unfinal = head - BigInt(deps.confirmations) + 1n;
    const from = next < unfinal ? next : unfinal < 0n ? 0n : unfinal;
    const until = head - from + 1n > MAX_RANGE ? from + MAX_RANGE - 1n : head;
    if (from > until) return head;
    const logs = await chain.client.getLogs({
      address: deps.token,
      event: TRANSFER,
      args: { to: to as Address },
      fromBlock: from,
      toBlock: until,
    });
    await withTransaction(db, async (tx) => {
      const moved = await tx
        .updateTable('evm_scan_cursors')
        .set({ next_block: (until + 1n).toString() })
        .where('chain_id', '=', chainId)
        .where('token', '=', token)
        .where('address', '=', to)
        .where('next_block', '=', cursor.next_block)
        .executeTakeFirst();
      if (moved.numUpdatedRows === 0n) return; // another scan got there first: its view stands
      const seen = logs.filter((l) => l.blockHash && l.transactionHash && l.logIndex !== null);
      // What the range held before and is not in it now: its block was replaced.
      await tx
        .deleteFrom('evm_deposits')
        .where('chain_id', '=', chainId)
        .where('token', '=', token)
        .where('to_address', '=', to)
        .where('block_number', '>=', from.toString())
        .where('block_number', '<=', until.toString())
        .where(
          sql<boolean>`(tx_hash, log_index) not in (select * from unnest(${seen.map((l) => l.transactionHash)}::text[], ${seen.map((l) => l.logIndex)}::int[]))`,
        )
        .execute();
      for (const l of seen)
        await tx
          .insertInto('evm_deposits')
          .values({
            chain_id: chainId,
            tx_hash: l.transactionHash,
            log_index: l.logIndex,
            token,
            block_number: l.blockNumber.toString(),
            block_hash: l.blockHash,
            from_address: (l.args.from ?? '').toLowerCase(),
            to_address: to,
            amount: (l.args.value ?? 0n).toString(),
            seen_at: deps.clock.now(),
          })
          .onConflict((oc) =>
            oc.columns(['chain_id', 'tx_hash', 'log_index']).doUpdateSet({
              block_number: (eb) => eb.ref('excluded.block_number'),
              block_hash: (eb) => eb.ref('excluded.block_hash'),
            }),
          )
          .execute();
    });
    return head;
  }

  /** One scan at a time per process, at most one per poll interval / 2 (every sell's poll asks). */
  function scanSoon(address: string): Promise<bigint> {
    const now = Date.now();
    if (inFlight && now - lastScan < chain.pollMs / 2) return inFlight;
    lastScan = now;
    inFlight = scan(address);
    inFlight.catch(() => {
      lastScan = 0;
    });
    return inFlight;
  }

  return {
    scan,
    /** The cursor starts at the chain's head when the desk first sees the wallet. */
    async ensureCursor(address: string) {
      const head = await chain.client.getBlockNumber();
      await db
        .insertInto('evm_scan_cursors')
        .values({ chain_id: chainId, token, address: address.toLowerCase(), next_block: head.toString() })
        .onConflict((oc) => oc.doNothing())
        .execute();
    },
    async incoming(address: string, from?: string): Promise<ChainTransfer[]> {
      const head = await scanSoon(address);
      let q = db
        .selectFrom('evm_deposits')
        .selectAll()
        .where('chain_id', '=', chainId)
        .where('token', '=', token)
        .where('to_address', '=', address.toLowerCase())
        .orderBy('block_number')
        .orderBy('log_index');
      if (from) q = q.where('from_address', '=', from.toLowerCase());
      return (await q.execute()).map((d) => ({
        txHash: d.tx_hash,
        from: d.from_address,
        to: d.to_address,
        amountUnits: BigInt(d.amount),
        blockHeight: Number(d.block_number),
        confirmations: Number(head) - Number(d.block_number) + 1,
      }));
    },
  };
}
