import { Decimal } from 'decimal.js';
import { sql } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { AuditContext } from '../shared/request-context.js';
import type { Clock } from '../shared/clock.js';
import { withTransaction, type Db, type Executor, type Tx } from '../shared/db.js';
import { AppError } from '../shared/errors.js';
import { formatPrice, parsePrice } from '../shared/money.js';
import {
  housePrice,
  spreadFor,
  spreadTiersView,
  validateSpreadTiers,
  type PricingSource,
  type SpreadTierInput,
} from './pricing.js';
import { directMoveRefusal, quoteOutOfBand } from './pricing.band.js';
import type { SpreadTier } from '../shared/money.js';

const HOUSE = 'house';

export interface Reference {
  mid: string;
  setAt: Date | null;
  via: 'api' | 'config';
  stale: boolean;
  /** The co-signed `pricing.reference` that set it; null: one risk officer within the band, or config. */
  requestId: string | null;
}

export interface Spreads {
  tiers: readonly SpreadTier[];
  via: 'api' | 'config';
  setAt: Date | null;
}

/** Who set a value: one risk officer directly, or a co-signed request. */
type SetBy = { ctx: AuditContext; requestId: string | null };

/**
 * The built-in pricer: a reference mid and spread tiers by notional. A reference set through the
 * API (audited) replaces the one from config; once older than the maximum age it is stale and the
 * house refuses to quote rather than price from an old market. Spread tiers set by a co-signed
 * `pricing.spreads` replace the config tiers likewise; they do not go stale. Both are read per
 * quote, so every process prices from what is stored, without a cache to invalidate.
 *
 * The band (issue 14 item 8): one risk officer moves the reference only within `maxMoveBps` of the
 * current one, of the last co-signed one and of the LPs' median (`directMoveRefusal`); anything else
 * is a co-signed `pricing.reference` (`writeReference`). An accept books only a price within the band
 * around the reference in force (`checkQuote`).
 */
export function createHousePricer(deps: {
  db: Db;
  audit: AuditService;
  clock: Clock;
  configMid: string | undefined;
  maxAgeSeconds: number;
  tiers: readonly SpreadTier[];
  maxMoveBps: number;
  minSpreadBps: number;
  /** The liquidity providers' median mid now, or null when none answers. */
  lpMedian: () => Promise<Decimal | null>;
}) {
  const { db, clock } = deps;
  const configMid = deps.configMid ? new Decimal(deps.configMid) : null;

  const referenceRow = (ex: Executor, lock = false) => {
    const q = ex.selectFrom('pricing_references').selectAll().where('source', '=', HOUSE);
    return (lock ? q.forUpdate() : q).executeTakeFirst();
  };
  const spreadsRow = (ex: Executor, lock = false) => {
    const q = ex.selectFrom('pricing_spreads').selectAll().where('source', '=', HOUSE);
    return (lock ? q.forUpdate() : q).executeTakeFirst();
  };

  async function reference(ex: Executor = db): Promise<Reference | null> {
    const row = await referenceRow(ex);
    if (row)
      return {
        mid: new Decimal(row.mid).toFixed(),
        setAt: row.set_at,
        via: 'api',
        stale: clock.now().getTime() - row.set_at.getTime() > deps.maxAgeSeconds * 1000,
        requestId: row.set_by_request,
      };
    if (configMid)
      return { mid: configMid.toFixed(), setAt: null, via: 'config', stale: false, requestId: null };
    return null;
  }

  async function spreads(ex: Executor = db): Promise<Spreads> {
    const row = await spreadsRow(ex);
    if (!row) return { tiers: deps.tiers, via: 'config', setAt: null };
    const stored = validateSpreadTiers(row.tiers);
    if (!stored.ok)
      throw new AppError(
        'INTERNAL',
        `the stored spread tiers are unusable: ${stored.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      );
    return { tiers: stored.tiers, via: 'api', setAt: row.set_at };
  }

  /** Writes the reference (one version step); a co-signed one also becomes the anchor. */
  async function putReference(tx: Tx, mid: Decimal, by: SetBy, data: Record<string, unknown>) {
    const before = await referenceRow(tx, true);
    const values = {
      mid: mid.toFixed(),
      set_at: clock.now(),
      set_by_type: by.ctx.actorType,
      set_by_id: by.ctx.actorId ?? null,
      set_by_request: by.requestId,
      anchor_mid: by.requestId ? mid.toFixed() : (before?.anchor_mid ?? null),
    };
    await tx
      .insertInto('pricing_references')
      .values({ source: HOUSE, ...values })
      .onConflict((oc) =>
        oc.column('source').doUpdateSet({ ...values, version: sql<number>`pricing_references.version + 1` }),
      )
      .execute();
    await deps.audit.record(tx, {
      ...by.ctx,
      action: 'pricing.reference_set',
      entityType: 'pricing_reference',
      entityId: HOUSE,
      data: {
        before: before ? new Decimal(before.mid).toFixed() : (configMid?.toFixed() ?? null),
        after: mid.toFixed(),
        ...(by.requestId ? { requestId: by.requestId } : {}),
        ...data,
      },
    });
  }

  const source: PricingSource = {
    name: HOUSE,
    async quote(request) {
      const [ref, spread] = await Promise.all([reference(), spreads()]);
      if (!ref) throw new AppError('NO_QUOTE', 'the house has no reference price');
      if (ref.stale)
        throw new AppError(
          'NO_QUOTE',
          `the house reference price is stale (set ${ref.setAt?.toISOString() ?? '?'}, older than ${deps.maxAgeSeconds} s)`,
        );
      return {
        price: formatPrice(
          housePrice(new Decimal(ref.mid), spreadFor(spread.tiers, request.amountUnits), request.side),
        ),
      };
    },
  };

  return {
    source,
    reference,
    spreads,
    /** A reference set over the API goes stale after this many seconds. */
    maxAgeSeconds: deps.maxAgeSeconds,
    band: { maxMoveBps: deps.maxMoveBps, minSpreadBps: deps.minSpreadBps },

    /** The last co-signed reference, else PRICING_REFERENCE_MID: what a direct move is measured from. */
    async anchor(ex: Executor = db): Promise<string | null> {
      const row = await referenceRow(ex);
      const anchor = row?.anchor_mid ? new Decimal(row.anchor_mid) : configMid;
      return anchor?.toFixed() ?? null;
    },

    /** One risk officer's move, refused with PRICE_MOVE_NEEDS_APPROVAL outside the band. */
    async setReference(mid: string, ctx: AuditContext): Promise<Reference> {
      const parsed = parsePrice(mid);
      if (!parsed.ok)
        throw new AppError('VALIDATION_FAILED', `The reference is refused: ${parsed.reason}.`, [
          { path: 'mid', message: parsed.reason },
        ]);
      // The LPs are asked before the transaction: their deadline is not spent holding the row lock.
      const lps = await deps.lpMedian();
      await withTransaction(db, async (tx) => {
        const row = await referenceRow(tx, true);
        const refusal = directMoveRefusal({
          mid: parsed.price,
          previous: row ? new Decimal(row.mid) : configMid,
          anchor: row?.anchor_mid ? new Decimal(row.anchor_mid) : configMid,
          lpMedian: lps,
          maxMoveBps: deps.maxMoveBps,
        });
        if (refusal)
          throw new AppError(
            'PRICE_MOVE_NEEDS_APPROVAL',
            `One person cannot set this reference: ${refusal}. File a pricing.reference change request (POST /api/approvals) for two more people to approve.`,
            [{ path: 'mid', message: `${refusal}: file a pricing.reference request` }],
          );
        await putReference(tx, parsed.price, { ctx, requestId: null }, { lpMedian: lps?.toFixed() ?? null });
      });
      return { mid: parsed.price.toFixed(), setAt: clock.now(), via: 'api', stale: false, requestId: null };
    },

    /** The reference row's version (0: none stored yet), for the approvals engine. */
    async referenceVersion(tx: Tx): Promise<number> {
      return (await referenceRow(tx))?.version ?? 0;
    },
    /** Applies a co-signed `pricing.reference` in the co-signing transaction. */
    writeReference: (tx: Tx, mid: Decimal, ctx: AuditContext, requestId: string) =>
      putReference(tx, mid, { ctx, requestId }, {}),

    /** Tiers as a new change must be: the usual checks, and no tier below PRICING_MIN_SPREAD_BPS. */
    checkSpreads: (input: readonly SpreadTierInput[]) => validateSpreadTiers(input, deps.minSpreadBps),
    async spreadsVersion(tx: Tx): Promise<number> {
      return (await spreadsRow(tx))?.version ?? 0;
    },
    /** Applies a co-signed `pricing.spreads` in the co-signing transaction. */
    async writeSpreads(tx: Tx, tiers: readonly SpreadTier[], ctx: AuditContext, requestId: string) {
      const before = await spreadsRow(tx, true);
      const after = spreadTiersView(tiers);
      const values = {
        tiers: JSON.stringify(after),
        set_at: clock.now(),
        set_by_type: ctx.actorType,
        set_by_id: ctx.actorId ?? null,
        set_by_request: requestId,
      };
      await tx
        .insertInto('pricing_spreads')
        .values({ source: HOUSE, ...values })
        .onConflict((oc) =>
          oc.column('source').doUpdateSet({ ...values, version: sql<number>`pricing_spreads.version + 1` }),
        )
        .execute();
      await deps.audit.record(tx, {
        ...ctx,
        action: 'pricing.spreads_set',
        entityType: 'pricing_spreads',
        entityId: HOUSE,
        data: {
          before: before
            ? { via: 'api', tiers: before.tiers }
            : { via: 'config', tiers: spreadTiersView(deps.tiers) },
          after: { via: 'api', tiers: after },
          requestId,
        },
      });
    },

    /**
     * At booking, in the accept's transaction: the quoted price must be within the band around the
     * reference in force now (stale or not; a desk with no reference at all has nothing to check).
     */
    async checkQuote(tx: Tx, quote: { price: string; amount_units: string }): Promise<void> {
      const ref = await reference(tx);
      if (!ref) return;
      const spread = await spreads(tx);
      const refusal = quoteOutOfBand({
        price: new Decimal(quote.price),
        reference: new Decimal(ref.mid),
        spreadBps: spreadFor(spread.tiers, BigInt(quote.amount_units)),
        maxMoveBps: deps.maxMoveBps,
      });
      if (refusal)
        throw new AppError(
          'PRICE_OUT_OF_BAND',
          `The trade is refused: ${refusal}. Nothing was booked; ask for a new quote.`,
        );
    },
  };
}

export type HousePricer = ReturnType<typeof createHousePricer>;
