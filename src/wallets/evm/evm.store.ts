import { sql } from 'kysely';
import type { Executor, Tx } from '../../shared/db.js';

export interface AttemptRow {
  hash: string;
  transfer_id: string;
  n: number;
  filler: boolean;
  raw: string;
  gas_limit: string;
  max_fee_per_gas: string;
  max_priority_fee_per_gas: string;
  created_at: Date;
}

export interface TransferRow {
  id: string;
  chain_id: string;
  from_address: string;
  nonce: string;
  token: string;
  to_address: string;
  amount: string;
  reference: string;
  created_at: Date;
}

/** The EVM adapter's own tables: nonces, transfers and their attempts, the deposit scan. */
export const evmStore = {
  /** Starts the wallet's nonce at the chain's count on first use; never moves it back. */
  async ensureNonce(ex: Executor, chainId: number, address: string, chainCount: bigint): Promise<void> {
    await ex
      .insertInto('evm_nonces')
      .values({ chain_id: chainId, address: address.toLowerCase(), next_nonce: chainCount.toString() })
      .onConflict((oc) =>
        oc.columns(['chain_id', 'address']).doUpdateSet({
          next_nonce: sql`greatest(evm_nonces.next_nonce, excluded.next_nonce)`,
        }),
      )
      .execute();
  },

  /**
   * Takes `count` contiguous nonces of the wallet, in the caller's transaction: the row stays locked
   * until it commits (a concurrent signer waits), and a rollback gives them back. A batch of payouts
   * takes several at once.
   */
  async takeNonces(tx: Tx, chainId: number, address: string, count = 1): Promise<bigint[]> {
    const row = await tx
      .updateTable('evm_nonces')
      .set({ next_nonce: sql`next_nonce + ${count}` })
      .where('chain_id', '=', String(chainId))
      .where('address', '=', address.toLowerCase())
      .returning(sql<string>`next_nonce - ${count}`.as('first'))
      .executeTakeFirst();
    if (!row) throw new Error(`no nonce row for ${address} on chain ${chainId}: the adapter was not started`);
    const first = BigInt(row.first);
    return Array.from({ length: count }, (_, i) => first + BigInt(i));
  },

  async nextNonce(ex: Executor, chainId: number, address: string): Promise<bigint | null> {
    const row = await ex
      .selectFrom('evm_nonces')
      .select('next_nonce')
      .where('chain_id', '=', String(chainId))
      .where('address', '=', address.toLowerCase())
      .executeTakeFirst();
    return row ? BigInt(row.next_nonce) : null;
  },

  async insertTransfer(tx: Tx, t: Omit<TransferRow, 'id'>): Promise<string> {
    const row = await tx.insertInto('evm_transfers').values(t).returning('id').executeTakeFirstOrThrow();
    return row.id;
  },

  async insertAttempt(ex: Executor, a: AttemptRow): Promise<void> {
    await ex.insertInto('evm_attempts').values(a).execute();
  },

  async attempt(ex: Executor, hash: string): Promise<AttemptRow | undefined> {
    return ex
      .selectFrom('evm_attempts')
      .selectAll()
      .where('hash', '=', hash.toLowerCase())
      .executeTakeFirst();
  },

  async transfer(ex: Executor, id: string): Promise<TransferRow> {
    return ex.selectFrom('evm_transfers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  },

  /** Every attempt at a transfer's nonce, the first one first. */
  async attempts(ex: Executor, transferId: string): Promise<AttemptRow[]> {
    return ex
      .selectFrom('evm_attempts')
      .selectAll()
      .where('transfer_id', '=', transferId)
      .orderBy('n')
      .execute();
  },

  /** The wallet's transfers with a nonce in [from, to), in order. */
  async transfersBetween(ex: Executor, chainId: number, address: string, from: bigint, to: bigint) {
    return ex
      .selectFrom('evm_transfers')
      .selectAll()
      .where('chain_id', '=', String(chainId))
      .where('from_address', '=', address.toLowerCase())
      .where('nonce', '>=', from.toString())
      .where('nonce', '<', to.toString())
      .orderBy('nonce')
      .execute();
  },

  /** Every transfer of a wallet, in nonce order. */
  async transfersOf(ex: Executor, chainId: number, address: string): Promise<TransferRow[]> {
    return ex
      .selectFrom('evm_transfers')
      .selectAll()
      .where('chain_id', '=', String(chainId))
      .where('from_address', '=', address.toLowerCase())
      .orderBy('nonce')
      .execute();
  },
};
