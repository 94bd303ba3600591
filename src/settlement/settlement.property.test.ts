import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase } from '../../test/support/db.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { bookTrade, clientDeposits, SETTLEMENT_ENV, U } from '../../test/support/settlement.js';
import { fixedClock } from '../shared/clock.js';
import { withTransaction, type Executor } from '../shared/db.js';
import { AppError } from '../shared/errors.js';
import type { Network } from '../shared/networks.js';
import type { TradeRow } from '../trading/trades.service.js';
import { ChainError } from '../wallets/adapter.js';
import { accountIds, ledger } from '../wallets/ledger.js';
import { PAPER_FAUCET } from '../wallets/paper.chain.js';
import { AUTO_SETTLEMENT } from '../flags/flags.service.js';
import { FLAG_REASONS, type FlagReason } from './settlement.tables.js';

/**
 * "Any interleaving of book / requeue / fail / retry / cancel keeps the ledger balanced and never
 * transfers twice". Random command sequences against the real services on one database
 * (one server for the file; every run books its own trades for its own clients):
 *
 * - book a buy or a sell; turn AUTO_SETTLEMENT on or off; requeue one open flagged event or every
 *   open one of a reason, dismiss one, cancel a trade (each through its registered kind: describe,
 *   validate and apply in one transaction, as the approvals engine does on the co-sign);
 * - make the next paper broadcasts fail (before reaching the chain, or after it: the answer lost);
 * - run the worker's `process` / `confirm` on a settlement, once, twice, or concurrently with
 *   another step; retry one with its next broadcasts failing (up to MAX_RETRIES_EXCEEDED);
 * - start a `process` whose broadcast is held in flight while other commands run, then let it land,
 *   fail, lose its answer, or kill it (its database session terminated, before or after the paper
 *   chain wrote the transfer). A command that waits on the held broadcast's locks (a second run of
 *   the same job) is left to finish in the background once it is released;
 * - the client of a sell deposits; the clock moves a block or two.
 *
 * The first example is the race this test found: a broadcast in flight, AUTO_SETTLEMENT turned off,
 * a second run of the job held the settlement and released its reservation, then the first
 * broadcast landed — paid, yet `held` (and dismissable, cancelling the paid trade). The worker now
 * broadcasts holding nothing, and gives a prepared transfer up only once the chain refuses it for good
 * (`abandon`: the paper chain voids it atomically) or has it.
 *
 * After every command: no unbalanced ledger entry; at most one paper transfer per settlement, and
 * that one is the settlement's persisted transfer; a held, failed or cancelled settlement has no
 * outstanding reservation and nothing on the chain; the hot wallets' reserved and receivable
 * balances are exactly the amounts of the settlements with an outstanding reservation.
 * At the end of each run: AUTO_SETTLEMENT on, every open event requeued, everything drained →
 * every trade not cancelled is settled exactly once, and each hot wallet's chain balance moved
 * exactly as its ledger balance did.
 */

const clock = fixedClock(new Date('2027-02-01T09:00:00Z'));
const NETWORKS: readonly Network[] = ['tron', 'ethereum'];
const MAX_ATTEMPTS = 3;
const LARGE_USDT = 2500;
/** Each run starts with this much available in each hot wallet, so some buys find it short. */
const START_AVAILABLE = 4000n * U;
const INJECTED = 'injected broadcast failure';
/** Broadcasts held in flight at once (each holds a database session and its settlement's locks). */
const MAX_IN_FLIGHT = 3;
/** A command that waits on a held broadcast's locks finishes in the background (so does one still running after PARK_AFTER_MS). */
const POLL_MS = 10;
const PARK_AFTER_MS = 1000;

// ─── commands ──────────────────────────────────────────────────────────────────────────────────

type Outcome = 'land' | 'fail' | 'lost' | 'crash' | 'crashAfterLanding';
type Op = 'process' | 'confirm';
type Command =
  | { type: 'book'; side: 'buy' | 'sell'; network: Network; usdt: number }
  | { type: 'flag'; on: boolean }
  | { type: 'requeue'; pick: number; all: boolean }
  | { type: 'dismiss'; pick: number }
  | { type: 'cancel'; pick: number }
  | { type: 'fail'; modes: ('fail' | 'lost')[] }
  | { type: 'step'; pick: number; ops: Op[]; concurrent: boolean; with: number | null }
  | { type: 'retry'; pick: number; failures: ('fail' | 'lost')[]; times: number }
  | { type: 'inflight'; pick: number }
  | { type: 'release'; pick: number; outcome: Outcome }
  | { type: 'deposit'; pick: number }
  | { type: 'time'; blocks: number };

const pick = fc.nat({ max: 50 });
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant('book' as const),
      side: fc.constantFrom('buy' as const, 'buy' as const, 'sell' as const),
      network: fc.constantFrom(...NETWORKS),
      usdt: fc.oneof(
        { weight: 5, arbitrary: fc.integer({ min: 1, max: 2000 }) },
        { weight: 1, arbitrary: fc.integer({ min: 2001, max: 4000 }) },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('flag' as const),
      on: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 2, arbitrary: fc.constant(false) }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('requeue' as const), pick, all: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('dismiss' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('cancel' as const), pick }) },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('fail' as const),
      modes: fc.array(fc.constantFrom('fail' as const, 'fail' as const, 'lost' as const), {
        minLength: 1,
        maxLength: 4,
      }),
    }),
  },
  {
    weight: 12,
    arbitrary: fc.record({
      type: fc.constant('step' as const),
      pick,
      ops: fc.oneof(
        { weight: 4, arbitrary: fc.constant<Op[]>(['process']) },
        { weight: 3, arbitrary: fc.constant<Op[]>(['confirm']) },
        { weight: 1, arbitrary: fc.constant<Op[]>(['process', 'process', 'process']) },
        {
          weight: 3,
          arbitrary: fc.array(fc.constantFrom<Op>('process', 'confirm'), { minLength: 2, maxLength: 3 }),
        },
      ),
      concurrent: fc.boolean(),
      with: fc.option(pick, { freq: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('retry' as const),
      pick,
      failures: fc.oneof(
        fc.constant(Array.from({ length: MAX_ATTEMPTS }, () => 'fail' as const)),
        fc.array(fc.constantFrom('fail' as const, 'fail' as const, 'fail' as const, 'lost' as const), {
          minLength: 1,
          maxLength: MAX_ATTEMPTS + 1,
        }),
      ),
      times: fc.oneof(fc.constant(MAX_ATTEMPTS), fc.integer({ min: 1, max: MAX_ATTEMPTS + 1 })),
    }),
  },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('inflight' as const), pick }) },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('release' as const),
      pick,
      outcome: fc.constantFrom<Outcome>('land', 'land', 'fail', 'lost', 'crash', 'crashAfterLanding'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('deposit' as const), pick }) },
  {
    weight: 3,
    arbitrary: fc.record({ type: fc.constant('time' as const), blocks: fc.integer({ min: 0, max: 2 }) }),
  },
);
const scenarioArb = fc.record({
  flagOn: fc.boolean(),
  commands: fc.array(commandArb, { minLength: 10, maxLength: 40 }),
});

/** A wider pool: a broadcast held in flight keeps its session, and the commands waiting on its locks keep theirs. */
const widerTestDatabase = () => createTestDatabase({ poolMax: 24 });

// ─── the world ─────────────────────────────────────────────────────────────────────────────────

let t: TestServer;
const db = () => t.database.db;
const services = () => t.desk.services;

/** How the next broadcasts by the worker behave; empty: the real paper chain. */
type Plan = { mode: 'fail' } | { mode: 'lost' } | { mode: 'gate'; gate: Gate };
interface Gate {
  entered: boolean;
  onEnter: () => void;
  /** The database session of the transaction the broadcast runs in (a crash terminates it). */
  pid?: number;
  /** Set when the broadcast is reached: what the held broadcast does now. */
  release?: (o: Outcome) => void;
}
const plans: Plan[] = [];
let realBroadcast: (network: Network, raw: string, ex?: Executor) => Promise<{ txHash: string }>;

const injected = () => new ChainError(INJECTED);
/** The worker's process died (its database session with it): it never does anything again. */
class Crashed extends Error {}

async function broadcastSpy(network: Network, raw: string, ex?: Executor): Promise<{ txHash: string }> {
  const plan = plans.shift();
  if (!plan) return realBroadcast(network, raw, ex);
  if (plan.mode === 'fail') throw injected();
  if (plan.mode === 'lost') {
    await realBroadcast(network, raw, ex);
    throw injected();
  }
  const gate = plan.gate;
  if (ex?.isTransaction)
    gate.pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(ex)).rows[0]?.pid;
  const outcome = await new Promise<Outcome>((resolve) => {
    gate.release = resolve;
    gate.entered = true;
    gate.onEnter();
  });
  if (outcome === 'fail') throw injected();
  if (outcome === 'crash' || outcome === 'crashAfterLanding') {
    if (outcome === 'crashAfterLanding') await realBroadcast(network, raw, ex);
    // A worker killed here: its session ends (an open transaction rolls back) and it never continues.
    if (gate.pid) await sql`select pg_terminate_backend(${gate.pid})`.execute(db());
    throw new Crashed('the worker died');
  }
  const sent = await realBroadcast(network, raw, ex);
  if (outcome === 'lost') throw injected();
  return sent;
}

interface InFlight {
  settlementId: string;
  gate: Gate;
  done: Promise<void>;
  /** Set when the worker running it was killed: whatever it throws then is the crash. */
  crashed: boolean;
}

interface Run {
  trades: TradeRow[];
  deposited: Set<string>;
  inflight: InFlight[];
  /** Commands that waited on a held broadcast's locks: they finish in the background once it is released. */
  parked: Promise<void>[];
  /** Chain minus ledger balance of each hot wallet when the run started (deposits nobody claims would move it). */
  baseline: Map<string, bigint>;
  since: Date;
  errors: unknown[];
}

const tally = {
  runs: 0,
  commands: {} as Record<string, number>,
  refusals: {} as Record<string, number>,
  finalStatuses: {} as Record<string, number>,
  seenStatuses: {} as Record<string, number>,
  flagged: {} as Record<string, number>,
  confirmedBeforeEnd: 0,
};
const bump = (m: Record<string, number>, k: string, n = 1) => (m[k] = (m[k] ?? 0) + n);

const hotWallets = (ex: Executor = db()) =>
  ex.selectFrom('wallets').selectAll().where('role', '=', 'hot').orderBy('network').execute();

/** Moves a hot wallet's available balance to `target`, on the chain and in the ledger alike (a treasury top-up or sweep to cold). */
async function setAvailable(network: Network, target: bigint) {
  const w = await services().wallets.hotWallet(db(), network);
  if (!w) throw new Error(`no ${network} hot wallet`);
  const delta = target - (await ledger.balance(db(), w.account_id));
  if (delta === 0n) return;
  const ref = randomUUID();
  if (delta > 0n) await services().paper.send(network, PAPER_FAUCET, w.address, delta, `topup:${ref}`);
  else await services().paper.send(network, w.address, 'PAPER-COLD', -delta, `sweep:${ref}`);
  await withTransaction(db(), (tx) =>
    ledger.post(tx, {
      key: `fund:property:${ref}`,
      kind: 'fund',
      memo: 'property test treasury move',
      at: clock.now(),
      postings: [
        { accountId: accountIds.faucet, amount: -delta },
        { accountId: w.account_id, amount: delta },
      ],
    }),
  );
}

/** A registered change kind as the approvals engine applies it on the co-sign: describe, validate, apply, one transaction. */
async function applyKind(kind: string, payload: unknown) {
  const def = services().kinds.get(kind);
  if (!def) throw new Error(`no kind ${kind}`);
  const p = def.schema.parse(payload);
  await withTransaction(db(), async (tx) => {
    const current = await def.describe(tx, p);
    await def.validate(tx, p, current);
    await def.apply(tx, p, {
      requestId: randomUUID(),
      audit: { actorType: 'operator', actorId: null },
      approvers: { primaryId: randomUUID(), secondaryId: randomUUID() },
    });
  });
}

async function setFlag(on: boolean) {
  await withTransaction(db(), (tx) =>
    services().flags.apply(tx, {
      key: AUTO_SETTLEMENT,
      enabled: on,
      via: 'request',
      reason: 'property test',
      requestId: null,
      ctx: { actorType: 'operator', actorId: null },
    }),
  );
}

const settlementsOf = (run: Run, ex: Executor = db()) =>
  run.trades.length === 0
    ? Promise.resolve([])
    : ex
        .selectFrom('settlements')
        .selectAll()
        .where(
          'trade_id',
          'in',
          run.trades.map((x) => x.id),
        )
        .orderBy('created_at')
        .orderBy('id')
        .execute();
const openEventsOf = (run: Run) =>
  run.trades.length === 0
    ? Promise.resolve([])
    : db()
        .selectFrom('settlement_flagged_events')
        .selectAll()
        .where('status', '=', 'open')
        .where(
          'trade_id',
          'in',
          run.trades.map((x) => x.id),
        )
        .orderBy('created_at')
        .orderBy('id')
        .execute();

/** Picks from the candidates the command is meant for, and from everything when there are none. */
function choose<T>(preferred: T[], all: T[], n: number): T | undefined {
  const from = preferred.length ? preferred : all;
  return from.length ? from[n % from.length] : undefined;
}

/** Expected failures of a step: an injected chain error out of `confirm`'s re-broadcast (the job would retry). */
async function tolerate(run: Run, p: Promise<unknown>, flight?: InFlight) {
  try {
    await p;
  } catch (err) {
    if (err instanceof ChainError && err.message === INJECTED) {
      bump(tally.refusals, 'confirm: injected broadcast failure');
      return;
    }
    if (flight?.crashed || err instanceof Crashed) return; // whatever a killed worker throws on its way out
    run.errors.push(err);
    throw err;
  }
}

async function refusable(label: string, p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) {
      bump(tally.refusals, `${label}: ${err.code}`);
      return;
    }
    throw err;
  }
}

type Settlement = Awaited<ReturnType<typeof settlementsOf>>[number];

/** When no buy is queued: a new one (queued if AUTO_SETTLEMENT is on and the wallet can pay it). */
async function freshBuy(run: Run, n: number, why: string): Promise<Settlement | undefined> {
  const trade = await bookTrade(t, {
    usdt: BigInt(1 + (n % 40) * 50),
    side: 'buy',
    network: NETWORKS[n % 2] ?? 'tron',
  });
  run.trades.push(trade);
  bump(tally.commands, `${why}:booked`);
  return db()
    .selectFrom('settlements')
    .selectAll()
    .where('trade_id', '=', trade.id)
    .where('status', '=', 'queued')
    .executeTakeFirst();
}

async function step(run: Run, cmd: Command) {
  bump(tally.commands, cmd.type);
  const worker = services().settlement.worker;
  const all = await settlementsOf(run);
  switch (cmd.type) {
    case 'book': {
      const trade = await bookTrade(t, { usdt: BigInt(cmd.usdt), side: cmd.side, network: cmd.network });
      run.trades.push(trade);
      return;
    }
    case 'flag':
      return setFlag(cmd.on);
    case 'requeue': {
      const open = await openEventsOf(run);
      const e = choose(open, [], cmd.pick);
      if (!e) return;
      return refusable(
        'requeue',
        applyKind('settlement.requeue', cmd.all ? { reason: e.reason } : { eventIds: [e.id] }),
      );
    }
    case 'dismiss': {
      const e = choose(await openEventsOf(run), [], cmd.pick);
      if (!e) return;
      return refusable(
        'dismiss',
        applyKind('settlement.dismiss', { eventIds: [e.id], reason: 'property test: the client withdrew' }),
      );
    }
    case 'cancel': {
      const status = new Map(
        (
          await db()
            .selectFrom('trades')
            .select(['id', 'status'])
            .where('id', 'in', run.trades.length ? run.trades.map((x) => x.id) : [randomUUID()])
            .execute()
        ).map((x) => [x.id, x.status]),
      );
      // mostly a booked trade; the kind refuses the others (settling, settled, cancelled)
      const tr = choose(
        cmd.pick % 4 === 0 ? [] : run.trades.filter((x) => status.get(x.id) === 'booked'),
        run.trades,
        cmd.pick,
      );
      if (!tr) return;
      return refusable('cancel', applyKind('trade.cancel', { tradeId: tr.id }));
    }
    case 'fail':
      for (const mode of cmd.modes) plans.push(mode === 'fail' ? { mode } : { mode });
      return;
    case 'step': {
      // now and then the one whose broadcast is held in flight (a second run of its job, the sweep's)
      const flying =
        cmd.pick % 3 === 0 ? all.filter((x) => run.inflight.some((f) => f.settlementId === x.id)) : [];
      const s = choose(
        flying.length ? flying : all.filter((x) => x.status === 'queued' || x.status === 'submitted'),
        all,
        cmd.pick,
      );
      if (!s) return;
      const other =
        cmd.with === null
          ? undefined
          : choose(
              all.filter((x) => x.id !== s.id && (x.status === 'queued' || x.status === 'submitted')),
              [],
              cmd.with,
            );
      const calls: (() => Promise<void>)[] = cmd.ops.map((op) => () => worker[op](s.id));
      if (other)
        calls.push(() => (other.status === 'queued' ? worker.process(other.id) : worker.confirm(other.id)));
      if (cmd.concurrent) await Promise.all(calls.map((c) => tolerate(run, c())));
      else for (const c of calls) await tolerate(run, c());
      return;
    }
    case 'retry': {
      // a settlement's broadcasts fail `failures` times while the worker runs it `times` times
      const flying =
        cmd.pick % 3 === 0 ? all.filter((x) => run.inflight.some((f) => f.settlementId === x.id)) : [];
      const s =
        choose(
          flying.length ? flying : all.filter((x) => x.status === 'queued' && x.side === 'buy'),
          [],
          cmd.pick,
        ) ?? (await freshBuy(run, cmd.pick, 'retry'));
      if (!s) return;
      for (const mode of cmd.failures) plans.push(mode === 'fail' ? { mode } : { mode });
      for (let i = 0; i < cmd.times; i++) await tolerate(run, worker.process(s.id));
      return;
    }
    case 'inflight': {
      if (run.inflight.length >= MAX_IN_FLIGHT) return;
      const busy = new Set(run.inflight.map((f) => f.settlementId));
      let s: Settlement | undefined = choose(
        all.filter((x) => x.status === 'queued' && x.side === 'buy' && !busy.has(x.id)),
        [],
        cmd.pick,
      );
      s ??= await freshBuy(run, cmd.pick, 'inflight');
      if (!s) return;
      let entered!: () => void;
      const enteredP = new Promise<void>((r) => (entered = r));
      const gate: Gate = { entered: false, onEnter: () => entered() };
      const plan: Plan = { mode: 'gate', gate };
      plans.unshift(plan); // this process's broadcast, not one queued by an earlier `fail`
      const flight: InFlight = { settlementId: s.id, gate, crashed: false, done: Promise.resolve() };
      flight.done = tolerate(run, worker.process(s.id), flight);
      await Promise.race([enteredP, flight.done]);
      if (!gate.entered) {
        // it did not get to broadcast (held, cancelled, insufficient …): nothing in flight
        const i = plans.indexOf(plan);
        if (i >= 0) plans.splice(i, 1);
        bump(tally.refusals, 'inflight: did not broadcast');
        return;
      }
      run.inflight.push(flight);
      return;
    }
    case 'release': {
      const f = choose(run.inflight, [], cmd.pick);
      if (!f) return;
      run.inflight.splice(run.inflight.indexOf(f), 1);
      bump(tally.commands, `release:${cmd.outcome}`);
      f.crashed = cmd.outcome === 'crash' || cmd.outcome === 'crashAfterLanding';
      f.gate.release?.(cmd.outcome);
      await f.done;
      return;
    }
    case 'deposit': {
      const sells = all.filter(
        (x) => x.side === 'sell' && x.status === 'submitted' && !run.deposited.has(x.id),
      );
      const s = choose(sells, [], cmd.pick);
      if (!s) return;
      const trade = run.trades.find((x) => x.id === s.trade_id);
      if (!trade) throw new Error('unknown trade');
      run.deposited.add(s.id);
      await clientDeposits(t, { ...trade, amount_units: s.amount_units });
      return;
    }
    case 'time':
      clock.advance(cmd.blocks * t.config.PAPER_BLOCK_SECONDS * 1000);
      return;
  }
}

// ─── invariants ────────────────────────────────────────────────────────────────────────────────

const decodeReference = (raw: string) =>
  (JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { reference: string }).reference;

/** Database sessions of this database waiting on a lock (behind a held broadcast, directly or not). */
async function lockWaiters(): Promise<number> {
  const { rows } = await sql<{
    n: number;
  }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(
    db(),
  );
  return rows[0]?.n ?? 0;
}

/** Every check reads one snapshot: work finishing in the background cannot show a half-made state. */
async function assertInvariants(run: Run, where: string) {
  await db()
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute((ex) => checkInvariants(ex, run, where));
}

async function checkInvariants(ex: Executor, run: Run, where: string) {
  // 1. the ledger balances (the database refuses otherwise; this proves nothing slipped past it)
  expect(await ledger.unbalancedEntries(ex), `${where}: unbalanced ledger entries`).toEqual([]);

  const wallets = await hotWallets(ex);
  const hot = wallets.map((w) => w.address);
  const settlements = await settlementsOf(run, ex);
  const byId = new Map(settlements.map((s) => [s.id, s]));

  // 2. at most one paper transfer per settlement, and it is the persisted one, paying what it says
  const sent = await ex
    .selectFrom('paper_transactions')
    .selectAll()
    .where('from_address', 'in', hot)
    .where('broadcast_at', '>=', run.since)
    .execute();
  const perSettlement = new Map<string, string[]>();
  for (const tx of sent) {
    const ref = decodeReference(tx.raw);
    if (ref.startsWith('sweep:')) continue;
    perSettlement.set(ref, [...(perSettlement.get(ref) ?? []), tx.hash]);
    const s = byId.get(ref);
    expect(s, `${where}: a hot wallet transfer for no settlement of this run (${ref})`).toBeDefined();
    if (!s) continue;
    expect(
      { hash: tx.hash, to: tx.to_address, amount: tx.amount, side: s.side },
      `${where}: transfer of settlement ${s.id}`,
    ).toEqual({ hash: s.tx_hash, to: s.counterparty, amount: s.amount_units, side: 'buy' });
  }
  for (const [ref, hashes] of perSettlement)
    expect(hashes, `${where}: transfers for settlement ${ref}`).toHaveLength(1);

  // 3. per settlement: reservations and the chain agree with its status
  const kinds = await ex
    .selectFrom('ledger_entries')
    .select(['settlement_id', 'kind'])
    .where('settlement_id', 'in', settlements.length ? settlements.map((s) => s.id) : [randomUUID()])
    .execute();
  const trades = new Map(
    (
      await ex
        .selectFrom('trades')
        .select(['id', 'status'])
        .where('id', 'in', run.trades.length ? run.trades.map((x) => x.id) : [randomUUID()])
        .execute()
    ).map((x) => [x.id, x.status]),
  );
  for (const s of settlements) {
    const mine = kinds.filter((k) => k.settlement_id === s.id).map((k) => k.kind);
    const reserves = mine.filter((k) => k === 'reserve').length;
    const outstanding = reserves - mine.filter((k) => k === 'release' || k === 'settle').length;
    const settles = mine.filter((k) => k === 'settle').length;
    const onChain = perSettlement.has(s.id);
    const trade = trades.get(s.trade_id);
    const view = { status: s.status, side: s.side, outstanding, settles, onChain, trade };
    bump(tally.seenStatuses, s.status);
    expect(
      outstanding === 0 || outstanding === 1,
      `${where}: ${s.id} ${JSON.stringify(view)}: outstanding reservations`,
    ).toBe(true);
    expect(settles <= 1, `${where}: ${s.id} settled twice`).toBe(true);
    if (s.status === 'held' || s.status === 'failed' || s.status === 'cancelled') {
      expect(
        { outstanding, settles, onChain },
        `${where}: ${s.id} is ${s.status}: nothing reserved, nothing sent ${JSON.stringify(view)}`,
      ).toEqual({ outstanding: 0, settles: 0, onChain: false });
    }
    if (s.status === 'cancelled') expect(trade, `${where}: ${s.id} cancelled`).toBe('cancelled');
    if (s.status === 'confirmed') {
      expect({ outstanding, settles, trade }, `${where}: ${s.id} confirmed`).toEqual({
        outstanding: 0,
        settles: 1,
        trade: 'settled',
      });
      if (s.side === 'buy') expect(onChain, `${where}: ${s.id} confirmed but not on chain`).toBe(true);
    }
    if (s.status === 'submitted') {
      expect(outstanding, `${where}: ${s.id} submitted without a reservation`).toBe(1);
      if (s.side === 'buy') expect(onChain, `${where}: ${s.id} submitted but not on chain`).toBe(true);
    }
    if (trade === 'cancelled')
      expect({ status: s.status, onChain }, `${where}: ${s.id}: the trade is cancelled`).toEqual({
        status: 'cancelled',
        onChain: false,
      });
  }

  // 4. the hot wallets' reserved / receivable balances are exactly the outstanding reservations (all runs)
  const { rows } = await sql<{ wallet_id: string; side: string; amount: string }>`
    with o as (
      select settlement_id, sum(case kind when 'reserve' then 1 else -1 end) as n
      from ledger_entries where settlement_id is not null and kind in ('reserve', 'release', 'settle') group by settlement_id
    )
    select s.wallet_id, s.side, coalesce(sum(s.amount_units), 0)::text as amount
    from settlements s join o on o.settlement_id = s.id where o.n > 0 group by s.wallet_id, s.side`.execute(
    ex,
  );
  const balances = await ledger.balances(
    ex,
    wallets.flatMap((w) => [w.reserved_account_id, w.receivable_account_id]),
  );
  for (const w of wallets) {
    const owed = (side: string) =>
      BigInt(rows.find((r) => r.wallet_id === w.id && r.side === side)?.amount ?? '0');
    expect(
      { reserved: balances.get(w.reserved_account_id), receivable: balances.get(w.receivable_account_id) },
      `${where}: ${w.id} reserved/receivable`,
    ).toEqual({ reserved: owed('buy'), receivable: owed('sell') });
  }
}

async function chainMinusLedger() {
  const out = new Map<string, bigint>();
  for (const w of await services().wallets.overview())
    out.set(w.wallet.id, (w.chainBalance ?? 0n) - w.ledgerBalance);
  return out;
}

/** AUTO_SETTLEMENT on, every open event requeued, everything drained (sells deposited): all settles. */
async function finish(run: Run) {
  // what is still held in flight lands now, as a broadcast that was slow would; what waited on it ends
  for (const f of run.inflight.splice(0)) {
    f.gate.release?.('land');
    await f.done;
  }
  await Promise.all(run.parked.splice(0));
  if (run.errors.length) throw run.errors[0];
  plans.length = 0;
  await setFlag(true);
  for (const n of NETWORKS) await setAvailable(n, 1_000_000n * U);
  const worker = services().settlement.worker;
  for (let round = 0; round < 12; round++) {
    for (const reason of FLAG_REASONS as readonly FlagReason[]) {
      if ((await openEventsOf(run)).some((e) => e.reason === reason))
        await applyKind('settlement.requeue', { reason });
    }
    const open = (await settlementsOf(run)).filter((s) => s.status === 'queued' || s.status === 'submitted');
    if (open.length === 0 && (await openEventsOf(run)).length === 0) break;
    for (const s of open) {
      if (s.status === 'queued') await worker.process(s.id);
      else {
        if (s.side === 'sell' && !run.deposited.has(s.id)) {
          const trade = run.trades.find((x) => x.id === s.trade_id);
          if (!trade) throw new Error('unknown trade');
          run.deposited.add(s.id);
          await clientDeposits(t, { ...trade, amount_units: s.amount_units });
        }
        await worker.confirm(s.id);
      }
    }
    clock.advance(t.config.PAPER_BLOCK_SECONDS * 1000);
    await assertInvariants(run, `drain round ${round}`);
  }
  await assertInvariants(run, 'end');

  const settlements = await settlementsOf(run);
  const bySettlementTrade = new Map(settlements.map((s) => [s.trade_id, s]));
  const tradeStatus = new Map(
    (
      await db()
        .selectFrom('trades')
        .select(['id', 'status'])
        .where('id', 'in', run.trades.length ? run.trades.map((x) => x.id) : [randomUUID()])
        .execute()
    ).map((x) => [x.id, x.status]),
  );
  expect(await openEventsOf(run), 'open flagged events after the final requeue').toEqual([]);
  for (const tr of run.trades) {
    const s = bySettlementTrade.get(tr.id);
    const status = tradeStatus.get(tr.id);
    bump(tally.finalStatuses, `${status}/${s?.status ?? 'none'}`);
    if (status === 'cancelled') {
      expect(s?.status ?? 'cancelled', `trade ${tr.id} cancelled`).toBe('cancelled');
      continue;
    }
    expect({ trade: status, settlement: s?.status }, `trade ${tr.id}`).toEqual({
      trade: 'settled',
      settlement: 'confirmed',
    });
    if (!s) continue;
    const settles = await db()
      .selectFrom('ledger_entries')
      .select('id')
      .where('settlement_id', '=', s.id)
      .where('kind', '=', 'settle')
      .execute();
    expect(settles, `${s.id}: one settle entry`).toHaveLength(1);
    if (s.side === 'buy') {
      const paid = await db()
        .selectFrom('paper_transactions')
        .select(['hash', 'amount', 'to_address'])
        .where('to_address', '=', s.counterparty)
        .execute();
      expect(paid, `${s.id}: paid once`).toEqual([
        { hash: s.tx_hash, amount: s.amount_units, to_address: s.counterparty },
      ]);
    }
  }
  // chain == ledger: each hot wallet's chain balance moved exactly as its ledger balance did this run
  expect(await chainMinusLedger(), 'chain minus ledger per hot wallet, against the start of the run').toEqual(
    run.baseline,
  );
}

async function runScenario({ flagOn, commands }: { flagOn: boolean; commands: Command[] }) {
  clock.advance(60_000); // what earlier runs sent is before `since`
  await setFlag(flagOn);
  for (const n of NETWORKS) await setAvailable(n, START_AVAILABLE);
  const run: Run = {
    trades: [],
    deposited: new Set(),
    inflight: [],
    parked: [],
    baseline: await chainMinusLedger(),
    since: clock.now(),
    errors: [],
  };
  plans.length = 0;
  try {
    for (const [i, cmd] of commands.entries()) {
      const holding = run.inflight.some((f) => f.gate.pid !== undefined);
      const waitingBefore = holding ? await lockWaiters() : 0;
      const running = step(run, cmd);
      if (!holding) await running;
      else {
        // Waiting on a held broadcast's locks: it finishes in the background once that one is released.
        const parked = running.then(
          () => true,
          (err: unknown) => {
            run.errors.push(err);
            return true;
          },
        );
        for (let waited = 0; ; waited += POLL_MS) {
          if (await Promise.race([parked, new Promise<false>((r) => setTimeout(() => r(false), POLL_MS))]))
            break;
          if ((await lockWaiters()) > waitingBefore || waited > PARK_AFTER_MS) {
            bump(tally.commands, `parked:${cmd.type}`);
            run.parked.push(parked.then(() => undefined));
            break;
          }
        }
      }
      if (run.errors.length) throw run.errors[0];
      await assertInvariants(run, `after command ${i} ${JSON.stringify(cmd)}`);
    }
    tally.confirmedBeforeEnd += (await settlementsOf(run)).filter((s) => s.status === 'confirmed').length;
    for (const e of await db()
      .selectFrom('settlement_flagged_events')
      .select('reason')
      .where('trade_id', 'in', run.trades.length ? run.trades.map((x) => x.id) : [randomUUID()])
      .execute())
      bump(tally.flagged, e.reason);
    await finish(run);
    tally.runs++;
  } finally {
    // a failing run must not leave broadcasts held (and their locks) for the next one
    for (const f of run.inflight.splice(0)) {
      f.crashed = true;
      f.gate.release?.('crash');
      await f.done.catch(() => undefined);
    }
    await Promise.all(run.parked.splice(0));
    plans.length = 0;
  }
}

describe('settlement: any interleaving of book / requeue / dismiss / cancel / fail / retry keeps the ledger balanced and never transfers twice', () => {
  beforeAll(async () => {
    t = await buildTestServer({
      database: await widerTestDatabase(),
      env: {
        ...SETTLEMENT_ENV,
        PAPER_FAUCET_USDT: '20000',
        SETTLEMENT_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
        SETTLEMENT_RETRY_BASE_MS: '1',
        CONFIRMATIONS_REQUIRED: 'tron:1,ethereum:1',
        SETTLEMENT_LARGE_NOTIONAL_USDT: String(LARGE_USDT),
      },
      clock,
      prepare: true,
    });
    const adapter = t.desk.services.paper.adapter;
    realBroadcast = adapter.broadcast.bind(adapter);
    vi.spyOn(adapter, 'broadcast').mockImplementation(broadcastSpy);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    // Evidence that the runs went down every path, not only the refusals.
    console.info(
      `settlement property: ${tally.runs} runs; commands ${JSON.stringify(tally.commands)}; refusals ${JSON.stringify(tally.refusals)}; flagged ${JSON.stringify(tally.flagged)}; statuses seen ${JSON.stringify(tally.seenStatuses)}; confirmed before the final drain ${tally.confirmedBeforeEnd}; final trade/settlement ${JSON.stringify(tally.finalStatuses)}`,
    );
    await t?.close();
    await t?.database.drop();
  });

  it('holds every invariant after every command, and everything not cancelled settles exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, runScenario),
      // SETTLEMENT_PROPERTY_RUNS=300 for a deeper search; SETTLEMENT_PROPERTY_SEED=<seed printed by a failure> replays it.
      {
        examples: [
          [
            {
              flagOn: true,
              commands: [
                { type: 'book', side: 'buy', network: 'tron', usdt: 10 },
                { type: 'inflight', pick: 0 },
                { type: 'flag', on: false },
                { type: 'step', pick: 0, ops: ['process'], concurrent: false, with: null },
                { type: 'release', pick: 0, outcome: 'land' },
              ],
            },
          ],
        ],
        numRuns: Number(process.env.SETTLEMENT_PROPERTY_RUNS ?? 25),
        ...(process.env.SETTLEMENT_PROPERTY_SEED
          ? { seed: Number(process.env.SETTLEMENT_PROPERTY_SEED) }
          : {}),
      },
    );
    // the runs went past the happy path: something was held back or given up on, and things settled
    expect((tally.seenStatuses.held ?? 0) + (tally.seenStatuses.failed ?? 0)).toBeGreaterThan(0);
    expect(tally.seenStatuses.confirmed ?? 0).toBeGreaterThan(0);
  }, 240_000);
});
