import { Decimal } from 'decimal.js';
import type { AuditService } from '../audit/audit.service.js';
import type { AuditContext } from '../shared/request-context.js';
import type { Clock } from '../shared/clock.js';
import { withTransaction, type Db } from '../shared/db.js';
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
import type { SpreadTier } from '../shared/money.js';

const HOUSE = 'house';

export interface Reference {
  mid: string;
  setAt: Date | null;
  via: 'api' | 'config';
  stale: boolean;
}

export interface Spreads {
  tiers: readonly SpreadTier[];
  via: 'api' | 'config';
  setAt: Date | null;
}

/**
 * The built-in pricer: a reference mid and spread tiers by notional. A reference set through the
 * API (audited) replaces the one from config; once older than the maximum age it is stale and the
 * house refuses to quote rather than price from an old market. Spread tiers set through the API
 * (audited) replace the config tiers likewise; they do not go stale. Both are read per quote, so
 * every process prices from what is stored, without a cache to invalidate.
 */
export function createHousePricer(deps: {
  db: Db;
  audit: AuditService;
  clock: Clock;
  configMid: string | undefined;
  maxAgeSeconds: number;
  tiers: readonly SpreadTier[];
}) {
  const { db, clock } = deps;

  async function reference(): Promise<Reference | null> {
    const row = await db
      .selectFrom('pricing_references')
      .selectAll()
      .where('source', '=', HOUSE)
      .executeTakeFirst();
    if (row)
      return {
        mid: new Decimal(row.mid).toFixed(),
        setAt: row.set_at,
        via: 'api',
        stale: clock.now().getTime() - row.set_at.getTime() > deps.maxAgeSeconds * 1000,
      };
    if (deps.configMid)
      return { mid: new Decimal(deps.configMid).toFixed(), setAt: null, via: 'config', stale: false };
    return null;
  }

  async function spreads(): Promise<Spreads> {
    const row = await db
      .selectFrom('pricing_spreads')
      .selectAll()
      .where('source', '=', HOUSE)
      .executeTakeFirst();
    if (!row) return { tiers: deps.tiers, via: 'config', setAt: null };
    const stored = validateSpreadTiers(row.tiers);
    if (!stored.ok)
      throw new AppError(
        'INTERNAL',
        `the stored spread tiers are unusable: ${stored.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      );
    return { tiers: stored.tiers, via: 'api', setAt: row.set_at };
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
    async setReference(mid: string, ctx: AuditContext): Promise<Reference> {
      const parsed = parsePrice(mid);
      if (!parsed.ok)
        throw new AppError('VALIDATION_FAILED', `The reference is refused: ${parsed.reason}.`, [
          { path: 'mid', message: parsed.reason },
        ]);
      const now = clock.now();
      await withTransaction(db, async (tx) => {
        const before = await tx
          .selectFrom('pricing_references')
          .selectAll()
          .where('source', '=', HOUSE)
          .forUpdate()
          .executeTakeFirst();
        const values = {
          mid: parsed.price.toFixed(),
          set_at: now,
          set_by_type: ctx.actorType,
          set_by_id: ctx.actorId ?? null,
        };
        await tx
          .insertInto('pricing_references')
          .values({ source: HOUSE, ...values })
          .onConflict((oc) => oc.column('source').doUpdateSet(values))
          .execute();
        await deps.audit.record(tx, {
          ...ctx,
          action: 'pricing.reference_set',
          entityType: 'pricing_reference',
          entityId: HOUSE,
          data: { before: before ? new Decimal(before.mid).toFixed() : null, after: parsed.price.toFixed() },
        });
      });
      return { mid: parsed.price.toFixed(), setAt: now, via: 'api', stale: false };
    },
    async setSpreads(input: readonly SpreadTierInput[], ctx: AuditContext): Promise<Spreads> {
      const checked = validateSpreadTiers(input);
      if (!checked.ok)
        throw new AppError(
          'VALIDATION_FAILED',
          `The spread tiers are refused: ${checked.errors.map((e) => `${e.path} ${e.message}`).join('; ')}.`,
          checked.errors,
        );
      const after = spreadTiersView(checked.tiers);
      const now = clock.now();
      await withTransaction(db, async (tx) => {
        const before = await tx
          .selectFrom('pricing_spreads')
          .selectAll()
          .where('source', '=', HOUSE)
          .forUpdate()
          .executeTakeFirst();
        const values = {
          tiers: JSON.stringify(after),
          set_at: now,
          set_by_type: ctx.actorType,
          set_by_id: ctx.actorId ?? null,
        };
        await tx
          .insertInto('pricing_spreads')
          .values({ source: HOUSE, ...values })
          .onConflict((oc) => oc.column('source').doUpdateSet(values))
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
          },
        });
      });
      return { tiers: checked.tiers, via: 'api', setAt: now };
    },
  };
}

export type HousePricer = ReturnType<typeof createHousePricer>;
