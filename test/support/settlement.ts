import { randomBytes } from 'node:crypto';
import type { Network } from '../../src/shared/networks.js';
import type { TradeRow } from '../../src/trading/trades.service.js';
import { call, person, REASON, type Person, type RequestBody } from './approvals.js';
import { newClient } from './clients.js';
import type { TestServer } from './server.js';

export const U = 1_000_000n;
/** Settlement tests: a one-unit price, one confirmation, retries without waiting. */
export const SETTLEMENT_ENV = {
  PRICING_REFERENCE_MID: '1',
  PRICING_SPREAD_TIERS: '0:10',
  CONFIRMATIONS_REQUIRED: 'tron:1,ethereum:1',
  SETTLEMENT_RETRY_BASE_MS: '1',
  PAPER_FAUCET_USDT: '1000000',
  LIMIT_MAX_PER_TRADE_USDT: '1000000',
  LIMIT_MAX_PER_DAY_USDT: '100000000',
};

/** A fresh address of the network's shape, whitelisted for a new active client. */
export async function tradingClient(t: TestServer, network: Network = 'tron') {
  const client = await newClient(t);
  const address = t.desk.services.paper.newAddress(network);
  await t.database.db
    .insertInto('client_addresses')
    .values({
      client_id: client.id,
      network,
      address,
      status: 'whitelisted',
      whitelisted_at: new Date(),
      removed_at: null,
    })
    .execute();
  return { client, address };
}

/** RFQ and accept through the trading services: the booking transaction runs the settlement gate. */
export async function bookTrade(
  t: TestServer,
  o: { usdt: bigint; side?: 'buy' | 'sell'; network?: Network; clientId?: string },
): Promise<TradeRow> {
  const network = o.network ?? 'tron';
  const clientId = o.clientId ?? (await tradingClient(t, network)).client.id;
  const { best } = await t.desk.services.trading.rfqs.request({
    clientId,
    side: o.side ?? 'buy',
    network,
    amountUnits: o.usdt * U,
  });
  return (
    await t.desk.services.trading.trades.accept(
      { quoteId: best.id, clientId },
      { actorType: 'client', actorId: clientId },
    )
  ).trade;
}

export interface Desk {
  ops: Person;
  risk: Person;
  risk2: Person;
}

export async function deskPeople(t: TestServer): Promise<Desk> {
  return {
    ops: await person(t, ['ops_approver']),
    risk: await person(t, ['risk_officer']),
    risk2: await person(t, ['risk_officer']),
  };
}

/** Files a request as ops, approves it as risk naming risk2, co-signs as risk2: what two people at the desk do. */
export async function coSigned(
  t: TestServer,
  p: Desk,
  kind: string,
  payload: unknown,
  who: [Person, Person, Person] = [p.ops, p.risk, p.risk2],
): Promise<RequestBody> {
  const [filer, primary, secondary] = who;
  const filed = await call<RequestBody>(t, filer, 'POST', '/api/approvals', {
    kind,
    payload,
    note: `test ${randomBytes(3).toString('hex')}`,
  });
  if (filed.status !== 201)
    throw new Error(`filing ${kind} failed: ${filed.status} ${JSON.stringify(filed.body)}`);
  const approved = await call(t, primary, 'POST', `/api/approvals/${filed.body.id}/approve`, {
    reason: REASON,
    secondaryApproverId: secondary.id,
  });
  if (approved.status !== 200)
    throw new Error(`approving ${kind} failed: ${approved.status} ${JSON.stringify(approved.body)}`);
  const done = await call<RequestBody>(t, secondary, 'POST', `/api/approvals/${filed.body.id}/cosign`, {
    reason: 'Checked and co-signed.',
  });
  if (done.status !== 200)
    throw new Error(`co-signing ${kind} failed: ${done.status} ${JSON.stringify(done.body)}`);
  return done.body;
}

/** AUTO_SETTLEMENT on through a co-signed flag.set (the only way there is). */
export async function autoSettlementOn(t: TestServer, p: Desk) {
  const body = await coSigned(t, p, 'flag.set', { key: 'AUTO_SETTLEMENT', enabled: true });
  if (body.status !== 'approved') throw new Error(`flag.set ended ${body.status}: ${body.failureReason}`);
}

/**
 * Runs the settlement worker's steps directly until nothing moves: queued → process, submitted →
 * confirm, with the clock moved past a block each round when the clock can move.
 */
export async function drainSettlements(
  t: TestServer,
  opts: { advance?: (ms: number) => void; rounds?: number } = {},
) {
  const worker = t.desk.services.settlement.worker;
  for (let round = 0; round < (opts.rounds ?? 20); round++) {
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
    opts.advance?.(t.config.PAPER_BLOCK_SECONDS * 1000);
  }
}

/** Ledger balance of each wallet (available + reserved) next to its paper chain balance. */
export async function walletsAgree(t: TestServer) {
  const overview = await t.desk.services.wallets.overview();
  return overview.map((w) => {
    if (w.chainBalance === null)
      throw new Error(`${w.wallet.id}: the chain did not answer (${w.chainError})`);
    return {
      wallet: w.wallet.id,
      chain: w.chainBalance,
      ledger: w.ledgerBalance,
      reserved: w.reserved,
    };
  });
}

/** A sell's client pays the desk on the paper chain (the faucet gives the client the USDT first). */
export async function clientDeposits(
  t: TestServer,
  trade: TradeRow,
  amountUnits = BigInt(trade.amount_units),
) {
  const wallet = await t.desk.services.wallets.hotWallet(t.database.db, trade.network);
  if (!wallet) throw new Error(`no ${trade.network} hot wallet`);
  await t.desk.services.paper.send(trade.network, 'PAPER-FAUCET', trade.address, amountUnits);
  return t.desk.services.paper.send(trade.network, trade.address, wallet.address, amountUnits);
}
