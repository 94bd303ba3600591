import { randomUUID } from 'node:crypto';
import type { Address } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../src/shared/db.js';
import { TransferDead } from '../src/wallets/adapter.js';
import { mine, startChainDesk, type LocalChain } from './support/chain.js';
import type { TestServer } from './support/server.js';
import { tradingClient, U } from './support/settlement.js';

/**
 * A nonce the node refuses for good (here: a transaction above the block gas limit) is filled with a
 * zero-value transaction at that nonce, so the wallet's later transfers are not stuck behind the gap.
 */
describe('EVM: a nonce that can never be mined is filled', () => {
  let t: TestServer;
  let chain: LocalChain;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ t, chain, close } = await startChainDesk({ env: { CONFIRMATIONS_REQUIRED: 'tron:1,ethereum:1' } }));
  });
  afterAll(() => close());

  it('refused for good: TransferDead, its nonce filled and mined; the next transfer goes through', async () => {
    const evm = t.desk.services.evm!;
    const db = t.database.db;
    const to = (await tradingClient(t, 'ethereum')).address;
    const request = {
      network: 'ethereum' as const,
      from: evm.hotAddress,
      to,
      amountUnits: 7n * U,
      reference: randomUUID(),
    };
    const plan = await evm.adapter.plan(request);
    // signed with a gas limit no block can hold
    const { gasLimit } = await chain.client.getBlock();
    const tooBig = { ...plan, chain: { ...(plan.chain as object), gas: gasLimit + 1n } };
    const dead = await withTransaction(db, (tx) => evm.adapter.sign(tx, tooBig));
    const next = await withTransaction(db, async (tx) =>
      evm.adapter.sign(tx, await evm.adapter.plan({ ...request, reference: randomUUID() })),
    );
    await expect(evm.adapter.broadcast('ethereum', dead.raw)).rejects.toBeInstanceOf(TransferDead);
    const attempts = await db
      .selectFrom('evm_attempts')
      .selectAll()
      .where(
        'transfer_id',
        '=',
        (
          await db
            .selectFrom('evm_attempts')
            .select('transfer_id')
            .where('hash', '=', dead.txHash)
            .executeTakeFirstOrThrow()
        ).transfer_id,
      )
      .orderBy('n')
      .execute();
    expect(attempts.map((a) => a.filler)).toEqual([false, true]);
    await evm.adapter.broadcast('ethereum', next.raw);
    await mine(chain);
    const filler = await chain.client.getTransactionReceipt({ hash: attempts[1]!.hash as `0x${string}` });
    expect(filler.status).toBe('success');
    expect((await evm.adapter.follow('ethereum', dead.txHash)).fate.state).toBe('dead');
    const followed = await evm.adapter.follow('ethereum', next.txHash);
    expect(followed.fate).toMatchObject({ state: 'mined', success: true });
    expect(await chain.usdtBalance(to as Address)).toBe(7n * U); // paid once, by the second transfer
  });
});
