import { sql } from 'kysely';
import { Decimal } from 'decimal.js';
import { z } from 'zod';
import type { KindDefinition } from '../approvals/approvals.registry.js';
import type { AuditService } from '../audit/audit.service.js';
import type { ClientsService } from '../clients/clients.service.js';
import type { Clock } from '../shared/clock.js';
import type { Tx } from '../shared/db.js';
import { AppError } from '../shared/errors.js';
import type { AddressesService } from '../clients/addresses.service.js';
import { limitRefusal } from '../clients/limits.js';
import type { LimitsService } from '../clients/limits.service.js';
import { formatUsdt, quoteTotal } from '../shared/money.js';

const DAY_MS = 24 * 3600 * 1000;
const tradeId = z.string().uuid();
const cancelSchema = z.object({ tradeId }).strict();
/**
 * `amount` is USDT smallest units as a decimal-integer string. The policy's tiers do not read it: they
 * judge the kind's `notional`, the trade's amount before and after the change.
 */
const amendSchema = z
  .object({
    tradeId,
    amount: z
      .string()
      .regex(/^[1-9]\d{0,37}$/, 'must be a positive integer of USDT smallest units')
      .optional(),
    addressId: z.string().uuid().optional(),
    address: z.string().min(1).max(100).optional(),
  })
  .strict()
  .refine((p) => !(p.addressId && p.address), {
    message: 'give addressId or address, not both',
    path: ['address'],
  });
export type TradeCancel = z.infer<typeof cancelSchema>;
export type TradeAmend = z.infer<typeof amendSchema>;

interface Deps {
  audit: AuditService;
  clock: Clock;
  clients: Pick<ClientsService, 'get'>;
  addresses: AddressesService;
  limits: LimitsService;
  /** The settlement domain closes what it holds for the trade (open flagged events, a queued settlement). */
  onTradeCancelled?: (tx: Tx, trade: { id: string }, change: { approvalId: string }) => Promise<void>;
}

const refuse = (message: string, path = 'payload.tradeId') =>
  new AppError('VALIDATION_FAILED', message, [{ path, message }]);

async function tradeFor(tx: Tx, id: string, lock = false) {
  let q = tx.selectFrom('trades').selectAll().where('id', '=', id);
  if (lock) q = q.forUpdate();
  const trade = await q.executeTakeFirst();
  if (!trade) throw refuse('There is no such trade.');
  return trade;
}

/** A trade can change only while it is `booked`: once settlement has started (or it was cancelled) it cannot. */
function mustBeBooked(t: { id: string; status: string }) {
  if (t.status !== 'booked')
    throw refuse(
      `Trade ${t.id} is ${t.status}: only a booked trade that has not started settling can change.`,
    );
}

const label = (t: { side: string; network: string; amount_units: string }) =>
  `${t.side} ${formatUsdt(BigInt(t.amount_units))} USDT on ${t.network === 'tron' ? 'TRON' : 'Ethereum'}`;

/** `trade.cancel`: cancels a booked trade (policy in migration 0003). */
export function tradeCancelKind(deps: Deps): KindDefinition<TradeCancel> {
  return {
    kind: 'trade.cancel',
    schema: cancelSchema,
    async describe(tx, p) {
      const t = await tradeFor(tx, p.tradeId);
      return {
        entity: { type: 'trade', id: t.id },
        version: t.version,
        diff: [{ field: 'status', before: t.status, after: 'cancelled' }],
        summary: `Cancel trade ${t.id} (${label(t)})`,
      };
    },
    async validate(tx, p) {
      mustBeBooked(await tradeFor(tx, p.tradeId));
    },
    /** The trade's stored amount; nothing after (the policy's `notional` tiers judge the trade cancelled). */
    async notional(tx, p) {
      return { before: BigInt((await tradeFor(tx, p.tradeId)).amount_units), after: null };
    },
    async apply(tx, p, ctx) {
      const t = await tradeFor(tx, p.tradeId, true);
      mustBeBooked(t);
      await tx
        .updateTable('trades')
        .set({ status: 'cancelled', version: sql`version + 1` })
        .where('id', '=', t.id)
        .execute();
      await deps.audit.record(tx, {
        ...ctx.audit,
        action: 'trade.cancelled',
        entityType: 'trade',
        entityId: t.id,
        data: {
          requestId: ctx.requestId,
          clientId: t.client_id,
          amountUsdt: formatUsdt(BigInt(t.amount_units)),
          before: t.status,
        },
      });
      await deps.onTradeCancelled?.(tx, t, { approvalId: ctx.requestId });
    },
  };
}

/** What an amend would make of the trade: the new amount, total and address, checked against the trading rules. */
async function amended(tx: Tx, deps: Deps, p: TradeAmend) {
  const t = await tradeFor(tx, p.tradeId);
  const amount = p.amount !== undefined ? BigInt(p.amount) : BigInt(t.amount_units);
  let address = { id: t.address_id, address: t.address };
  if (p.addressId || p.address) {
    const row = p.addressId
      ? await deps.addresses.byId(tx, p.addressId)
      : await deps.addresses.live(
          tx,
          t.client_id,
          t.network,
          deps.addresses.canonical(t.network, p.address ?? ''),
        );
    if (!row || row.client_id !== t.client_id || row.network !== t.network || row.status !== 'whitelisted') {
      throw new AppError(
        'ADDRESS_NOT_WHITELISTED',
        `The new payout address is not a whitelisted ${t.network === 'tron' ? 'TRON' : 'Ethereum'} address of this client.`,
        [{ path: p.addressId ? 'payload.addressId' : 'payload.address', message: 'is not whitelisted' }],
      );
    }
    address = { id: row.id, address: row.address };
  }
  const total =
    amount === BigInt(t.amount_units) ? t.total : quoteTotal(amount, new Decimal(t.price), t.side);
  return { trade: t, amount, total, address };
}

/** `trade.amend`: a booked trade's amount (within the client's limits) or payout address (whitelisted); the price stays. */
export function tradeAmendKind(deps: Deps): KindDefinition<TradeAmend> {
  return {
    kind: 'trade.amend',
    schema: amendSchema,
    async describe(tx, p) {
      const { trade: t, amount, total, address } = await amended(tx, deps, p);
      const diff = [];
      if (amount !== BigInt(t.amount_units))
        diff.push(
          { field: 'amountUsdt', before: formatUsdt(BigInt(t.amount_units)), after: formatUsdt(amount) },
          { field: 'total', before: t.total, after: total },
        );
      if (address.id !== t.address_id)
        diff.push({ field: 'address', before: t.address, after: address.address });
      const what = [
        amount !== BigInt(t.amount_units) ? `amount ${formatUsdt(amount)} USDT` : null,
        address.id !== t.address_id ? `address ${address.address}` : null,
      ]
        .filter(Boolean)
        .join(', ');
      return {
        entity: { type: 'trade', id: t.id },
        version: t.version,
        diff,
        summary: `Amend trade ${t.id} (${label(t)}): ${what || 'no change'}`,
      };
    },
    async validate(tx, p, current) {
      const { trade: t, amount } = await amended(tx, deps, p);
      mustBeBooked(t);
      if (current.diff.length === 0) throw refuse('The amendment changes nothing.', 'payload');
      const old = BigInt(t.amount_units);
      if (amount > old) {
        const client = await deps.clients.get(t.client_id, tx);
        if (client?.status !== 'active')
          throw new AppError(
            'CLIENT_NOT_ACTIVE',
            `The client's account is ${client?.status ?? 'missing'}: it cannot trade more.`,
          );
        const now = deps.clock.now();
        const { limits, bookedLast24h } = await deps.limits.lockForTrade(tx, t.client_id, now);
        const counted = t.booked_at.getTime() > now.getTime() - DAY_MS ? old : 0n;
        const refusal = limitRefusal(amount, bookedLast24h - counted, limits);
        if (refusal)
          throw new AppError('LIMIT_EXCEEDED', `The amendment is refused: ${refusal}.`, [
            { path: 'payload.amount', message: refusal },
          ]);
      }
    },
    /** The trade's stored amount before, and after the amend (the same when only the address changes). */
    async notional(tx, p) {
      const { trade: t, amount } = await amended(tx, deps, p);
      return { before: BigInt(t.amount_units), after: amount };
    },
    async apply(tx, p, ctx) {
      await tradeFor(tx, p.tradeId, true);
      const { trade: t, amount, total, address } = await amended(tx, deps, p);
      mustBeBooked(t);
      await tx
        .updateTable('trades')
        .set({
          amount_units: amount.toString(),
          total,
          address_id: address.id,
          address: address.address,
          version: sql`version + 1`,
        })
        .where('id', '=', t.id)
        .execute();
      await deps.audit.record(tx, {
        ...ctx.audit,
        action: 'trade.amended',
        entityType: 'trade',
        entityId: t.id,
        data: {
          requestId: ctx.requestId,
          clientId: t.client_id,
          before: { amountUsdt: formatUsdt(BigInt(t.amount_units)), total: t.total, address: t.address },
          after: { amountUsdt: formatUsdt(amount), total, address: address.address },
        },
      });
    },
  };
}
