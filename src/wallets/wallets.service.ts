import type { AuditService } from '../audit/audit.service.js';
import type { Clock } from '../shared/clock.js';
import { withTransaction, type Db, type Executor, type Tx } from '../shared/db.js';
import { NETWORKS, type Network } from '../shared/networks.js';
import type { Side } from '../shared/money.js';
import type { WalletAdapter } from './adapter.js';
import { accountIds, ledger } from './ledger.js';
import { PAPER_FAUCET, type PaperChain } from './paper.chain.js';

function hotWallet(ex: Executor, network: Network) {
  return ex
    .selectFrom('wallets')
    .selectAll()
    .where('network', '=', network)
    .where('role', '=', 'hot')
    .executeTakeFirst();
}

/** What a settlement moves in the ledger. */
export interface Movement {
  settlementId: string;
  walletId: string;
  side: Side;
  clientId: string;
  amount: bigint;
}

/**
 * The desk's wallets and their ledger postings. A buy pays the client from the hot wallet: reserve
 * moves the amount from the wallet's account to its `reserved` account (so it cannot be promised
 * twice), settle moves it from `reserved` to the client, release puts it back. A sell is the mirror:
 * reserve records what the client owes (`receivable`), settle moves it into the wallet once the
 * deposit is confirmed. The wallet's ledger balance (account + reserved) equals its chain balance
 * once nothing is in flight.
 */
export function createWalletsService(deps: {
  db: Db;
  clock: Clock;
  audit: AuditService;
  paper: PaperChain;
  faucetUnits: bigint;
}) {
  const { db, clock } = deps;

  async function walletById(ex: Executor, id: string) {
    return ex.selectFrom('wallets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  /** A settlement's ledger history: reservations made, and how many are still outstanding (not released or settled). */
  async function reservations(ex: Executor, settlementId: string) {
    const kinds = await ledger.entryKinds(ex, settlementId);
    const count = (...of: string[]) => kinds.filter((k) => of.includes(k)).length;
    return {
      reserves: count('reserve'),
      releases: count('release'),
      outstanding: count('reserve') - count('release', 'settle'),
    };
  }
  const outstanding = async (ex: Executor, settlementId: string) =>
    (await reservations(ex, settlementId)).outstanding;

  return {
    /** The chain adapter (one today: the paper chain). */
    adapter: deps.paper.adapter,
    hotWallet,
    walletById,
    outstanding,

    /** Creates each network's paper hot wallet on first start and funds it from the faucet (chain and ledger). */
    async ensureHotWallets(networks: readonly Network[] = NETWORKS): Promise<void> {
      for (const network of networks) {
        if (await hotWallet(db, network)) continue;
        const id = `paper:${network}:hot`;
        const address = deps.paper.newAddress(network);
        if (deps.faucetUnits > 0n)
          await deps.paper.send(network, PAPER_FAUCET, address, deps.faucetUnits, `fund:${address}`);
        await withTransaction(db, async (tx) => {
          const account = `wallet:${id}`;
          await ledger.ensureAccount(tx, {
            id: account,
            kind: 'wallet',
            network,
            name: `${network} hot wallet (paper)`,
          });
          await ledger.ensureAccount(tx, {
            id: `${account}:reserved`,
            kind: 'reserved',
            network,
            name: `${network} hot wallet, reserved for payouts`,
          });
          await ledger.ensureAccount(tx, {
            id: `${account}:receivable`,
            kind: 'receivable',
            network,
            name: `${network} deposits owed by clients`,
          });
          await ledger.ensureAccount(tx, { id: accountIds.faucet, kind: 'equity', name: 'Paper faucet' });
          const inserted = await tx
            .insertInto('wallets')
            .values({
              id,
              network,
              adapter: 'paper',
              address,
              account_id: account,
              reserved_account_id: `${account}:reserved`,
              receivable_account_id: `${account}:receivable`,
            })
            .onConflict((oc) => oc.doNothing())
            .returning('id')
            .executeTakeFirst();
          if (!inserted) return;
          if (deps.faucetUnits > 0n) {
            await ledger.post(tx, {
              key: `fund:${id}:genesis`,
              kind: 'fund',
              memo: `paper faucet funds the ${network} hot wallet`,
              at: clock.now(),
              postings: [
                { accountId: accountIds.faucet, amount: -deps.faucetUnits },
                { accountId: account, amount: deps.faucetUnits },
              ],
            });
          }
          await deps.audit.record(tx, {
            actorType: 'system',
            action: 'wallet.created',
            entityType: 'wallet',
            entityId: id,
            data: { network, address, adapter: 'paper', fundedUsdtUnits: deps.faucetUnits.toString() },
          });
        });
      }
    },

    /** What the hot wallet can still promise: its ledger balance, without what is already reserved. */
    available: (ex: Executor, wallet: { account_id: string }) => ledger.balance(ex, wallet.account_id),

    /**
     * Reserves for a settlement, once per cycle (a requeue after a release reserves again). A buy
     * locks the wallet's account so concurrent reservations cannot promise the same funds twice.
     */
    async reserve(tx: Tx, m: Movement): Promise<'reserved' | 'already' | 'insufficient'> {
      const { outstanding: open, reserves: n } = await reservations(tx, m.settlementId);
      if (open > 0) return 'already';
      const w = await walletById(tx, m.walletId);
      const client = accountIds.clientOf(m.clientId);
      await ledger.ensureAccount(tx, {
        id: client,
        kind: 'client',
        network: null,
        name: `client ${m.clientId}`,
      });
      if (m.side === 'buy') {
        await ledger.lock(tx, w.account_id);
        if ((await ledger.balance(tx, w.account_id)) < m.amount) return 'insufficient';
        await ledger.post(tx, {
          key: `reserve:${m.settlementId}:${n}`,
          kind: 'reserve',
          settlementId: m.settlementId,
          memo: 'payout reserved',
          at: clock.now(),
          postings: [
            { accountId: w.account_id, amount: -m.amount },
            { accountId: w.reserved_account_id, amount: m.amount },
          ],
        });
      } else {
        await ledger.post(tx, {
          key: `reserve:${m.settlementId}:${n}`,
          kind: 'reserve',
          settlementId: m.settlementId,
          memo: 'deposit expected from the client',
          at: clock.now(),
          postings: [
            { accountId: client, amount: -m.amount },
            { accountId: w.receivable_account_id, amount: m.amount },
          ],
        });
      }
      return 'reserved';
    },

    /** Final entries once the transfer is confirmed (only with a reservation outstanding; once). */
    async settle(tx: Tx, m: Movement): Promise<void> {
      if ((await outstanding(tx, m.settlementId)) <= 0)
        throw new Error(`settlement ${m.settlementId} has no reservation to settle`);
      const w = await walletById(tx, m.walletId);
      const client = accountIds.clientOf(m.clientId);
      const postings =
        m.side === 'buy'
          ? [
              { accountId: w.reserved_account_id, amount: -m.amount },
              { accountId: client, amount: m.amount },
            ]
          : [
              { accountId: w.receivable_account_id, amount: -m.amount },
              { accountId: w.account_id, amount: m.amount },
            ];
      await ledger.post(tx, {
        key: `settle:${m.settlementId}`,
        kind: 'settle',
        settlementId: m.settlementId,
        memo: m.side === 'buy' ? 'paid to the client' : 'deposit received',
        at: clock.now(),
        postings,
      });
    },

    /** Undoes an outstanding reservation (failed or cancelled); nothing to do without one. */
    async release(tx: Tx, m: Movement): Promise<boolean> {
      const { outstanding: open, releases: n } = await reservations(tx, m.settlementId);
      if (open <= 0) return false;
      const w = await walletById(tx, m.walletId);
      const client = accountIds.clientOf(m.clientId);
      const postings =
        m.side === 'buy'
          ? [
              { accountId: w.reserved_account_id, amount: -m.amount },
              { accountId: w.account_id, amount: m.amount },
            ]
          : [
              { accountId: w.receivable_account_id, amount: -m.amount },
              { accountId: client, amount: m.amount },
            ];
      await ledger.post(tx, {
        key: `release:${m.settlementId}:${n}`,
        kind: 'release',
        settlementId: m.settlementId,
        memo: 'reservation released',
        at: clock.now(),
        postings,
      });
      return true;
    },

    /** Each wallet with its chain balance and ledger balances (in smallest units). */
    async overview(ex: Executor = db) {
      const wallets = await ex.selectFrom('wallets').selectAll().orderBy('network').execute();
      const balances = await ledger.balances(
        ex,
        wallets.flatMap((w) => [w.account_id, w.reserved_account_id, w.receivable_account_id]),
      );
      return Promise.all(
        wallets.map(async (w) => {
          const adapter: WalletAdapter = deps.paper.adapter;
          const available = balances.get(w.account_id) ?? 0n;
          const reserved = balances.get(w.reserved_account_id) ?? 0n;
          return {
            wallet: w,
            paper: adapter.paper,
            chainBalance: await adapter.balance(w.network, w.address),
            ledgerBalance: available + reserved,
            available,
            reserved,
            receivable: balances.get(w.receivable_account_id) ?? 0n,
            height: await deps.paper.height(w.network),
          };
        }),
      );
    },
  };
}

export type WalletsService = ReturnType<typeof createWalletsService>;
