import type { AuditService } from '../audit/audit.service.js';
import type { Clock } from '../shared/clock.js';
import { sql } from 'kysely';
import { withTransaction, type Db, type Executor, type Tx } from '../shared/db.js';
import { NETWORKS, type Network } from '../shared/networks.js';
import type { Side } from '../shared/money.js';
import type { Selectable } from 'kysely';
import type { GasFee, WalletAdapter } from './adapter.js';
import type { EvmAdapter } from './evm/evm.adapter.js';
import { accountIds, ledger, USDT } from './ledger.js';
import { PAPER_FAUCET, type PaperChain } from './paper.chain.js';
import type { AdapterKind, WalletsTable } from './wallets.tables.js';

export type WalletRow = Selectable<WalletsTable>;

/** The ledger account of a wallet's gas (ETH on EVM chains, in wei). */
export const gasAccountOf = (w: { account_id: string }) => `${w.account_id}:gas`;

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
  /** Set when EVM_RPC_URL is: the `ethereum` network settles on that chain. */
  evm?: EvmAdapter;
  faucetUnits: bigint;
}) {
  const { db, clock, evm } = deps;

  /** Which chain each network settles on now, and from which hot wallet address. */
  const route = (network: Network): { kind: AdapterKind; address?: string } =>
    network === 'ethereum' && evm ? { kind: 'evm', address: evm.hotAddress } : { kind: 'paper' };

  function adapterFor(kind: AdapterKind): WalletAdapter {
    if (kind === 'paper') return deps.paper.adapter;
    if (!evm) throw new Error('this wallet settles on an EVM chain, and EVM_RPC_URL is not set');
    return evm.adapter;
  }

  function hotWallet(ex: Executor, network: Network): Promise<WalletRow | undefined> {
    const r = route(network);
    let q = ex
      .selectFrom('wallets')
      .selectAll()
      .where('network', '=', network)
      .where('role', '=', 'hot')
      .where('adapter', '=', r.kind);
    if (r.address) q = q.where(sql<boolean>`lower(address) = ${r.address.toLowerCase()}`);
    return q.orderBy('created_at').executeTakeFirst();
  }

  const kindOfWallet = new Map<string, AdapterKind>();
  /** The chain a wallet lives on (wallets never move). */
  async function adapterOfWallet(walletId: string): Promise<WalletAdapter> {
    let kind = kindOfWallet.get(walletId);
    if (!kind) {
      kind = (await walletById(db, walletId)).adapter;
      kindOfWallet.set(walletId, kind);
    }
    return adapterFor(kind);
  }

  async function ensureAccounts(tx: Tx, account: string, network: Network, label: string) {
    await ledger.ensureAccount(tx, {
      id: account,
      kind: 'wallet',
      network,
      name: `${network} hot wallet${label}`,
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
  }

  /** The EVM hot wallet, created on first start with what the chain says it holds as its opening balances. */
  async function ensureEvmWallet(adapter: EvmAdapter): Promise<void> {
    const network: Network = 'ethereum';
    if (await hotWallet(db, network)) return;
    await adapter.start();
    const address = adapter.hotAddress;
    const id = `evm:${network}:${address.toLowerCase()}`;
    const snapshot = await adapter.adapter.snapshot(network, address);
    const units = (asset: string) => snapshot.balances.find((b) => b.asset === asset)?.units ?? 0n;
    await withTransaction(db, async (tx) => {
      const account = `wallet:${id}`;
      await ensureAccounts(tx, account, network, ` ${address}`);
      await ledger.ensureAccount(tx, {
        id: `${account}:gas`,
        kind: 'wallet',
        network,
        name: `${network} hot wallet gas`,
      });
      await ledger.ensureAccount(tx, { id: accountIds.opening, kind: 'equity', name: 'Opening balances' });
      await ledger.ensureAccount(tx, {
        id: accountIds.gasExpense(network),
        kind: 'expense',
        network,
        name: `${network} gas paid by the desk`,
      });
      const inserted = await tx
        .insertInto('wallets')
        .values({
          id,
          network,
          adapter: 'evm',
          address,
          account_id: account,
          reserved_account_id: `${account}:reserved`,
          receivable_account_id: `${account}:receivable`,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) return;
      const postings = [
        ...(units(USDT) > 0n
          ? [
              { accountId: accountIds.opening, amount: -units(USDT) },
              { accountId: account, amount: units(USDT) },
            ]
          : []),
        ...(units('ETH') > 0n
          ? [
              { accountId: accountIds.opening, amount: -units('ETH'), asset: 'ETH' },
              { accountId: `${account}:gas`, amount: units('ETH'), asset: 'ETH' },
            ]
          : []),
      ];
      if (postings.length > 0)
        await ledger.post(tx, {
          key: `opening:${id}`,
          kind: 'opening',
          memo: `balances of ${address} at block ${snapshot.height}, when the desk first saw it`,
          at: clock.now(),
          postings,
        });
      await deps.audit.record(tx, {
        actorType: 'system',
        action: 'wallet.created',
        entityType: 'wallet',
        entityId: id,
        data: {
          network,
          address,
          adapter: 'evm',
          chainId: adapter.chainId,
          block: snapshot.height,
          openingUsdtUnits: units(USDT).toString(),
          openingGasWei: units('ETH').toString(),
        },
      });
    });
  }

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
    adapterFor,
    adapterOfWallet,
    /** Whether a network settles on the paper chain now. */
    paperNetwork: (network: Network) => route(network).kind === 'paper',
    hotWallet,
    walletById,
    outstanding,

    /**
     * Creates each network's hot wallet on first start: on an EVM chain from the configured key, with
     * the chain's balances as opening entries; on the paper chain funded from the faucet (chain and ledger).
     */
    async ensureHotWallets(networks: readonly Network[] = NETWORKS): Promise<void> {
      if (evm) await ensureEvmWallet(evm);
      for (const network of networks) {
        if (route(network).kind !== 'paper' || (await hotWallet(db, network))) continue;
        const id = `paper:${network}:hot`;
        const address = deps.paper.newAddress(network);
        if (deps.faucetUnits > 0n)
          await deps.paper.send(network, PAPER_FAUCET, address, deps.faucetUnits, `fund:${address}`);
        await withTransaction(db, async (tx) => {
          const account = `wallet:${id}`;
          await ensureAccounts(tx, account, network, ' (paper)');
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

    /** Gas paid by mined transactions, posted once each: the wallet's gas account to the network's gas expense. */
    async postGas(tx: Tx, g: { settlementId: string; walletId: string; fees: GasFee[] }): Promise<void> {
      const w = await walletById(tx, g.walletId);
      for (const fee of g.fees) {
        if (fee.units <= 0n) continue;
        await ledger.post(tx, {
          key: `gas:${fee.txHash}`,
          kind: 'gas',
          settlementId: g.settlementId,
          memo: `gas for ${fee.txHash}`,
          at: clock.now(),
          postings: [
            { accountId: gasAccountOf(w), amount: -fee.units, asset: fee.asset },
            { accountId: accountIds.gasExpense(w.network), amount: fee.units, asset: fee.asset },
          ],
        });
      }
    },

    /** Each wallet with its chain balance and ledger balances (in smallest units); a chain that does not answer says why. */
    async overview(ex: Executor = db) {
      const wallets = await ex
        .selectFrom('wallets')
        .selectAll()
        .orderBy('network')
        .orderBy('adapter')
        .execute();
      const balances = await ledger.balances(
        ex,
        wallets.flatMap((w) => [w.account_id, w.reserved_account_id, w.receivable_account_id]),
      );
      const gas = await ledger.balances(ex, wallets.map(gasAccountOf), 'ETH');
      return Promise.all(
        wallets.map(async (w) => {
          const available = balances.get(w.account_id) ?? 0n;
          const reserved = balances.get(w.reserved_account_id) ?? 0n;
          const base = {
            wallet: w,
            paper: w.adapter === 'paper',
            active: (await hotWallet(ex, w.network))?.id === w.id,
            ledgerBalance: available + reserved,
            available,
            reserved,
            receivable: balances.get(w.receivable_account_id) ?? 0n,
            gasLedger: w.adapter === 'paper' ? null : (gas.get(gasAccountOf(w)) ?? 0n),
          };
          try {
            const snapshot = await adapterFor(w.adapter).snapshot(w.network, w.address);
            const units = (asset: string) => snapshot.balances.find((b) => b.asset === asset)?.units;
            return {
              ...base,
              chainBalance: units(USDT) ?? 0n,
              gasChain: units('ETH') ?? null,
              height: snapshot.height,
              chainError: null,
            };
          } catch (err) {
            return {
              ...base,
              chainBalance: null,
              gasChain: null,
              height: null,
              chainError: (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unreachable',
            };
          }
        }),
      );
    },
  };
}

export type WalletsService = ReturnType<typeof createWalletsService>;
