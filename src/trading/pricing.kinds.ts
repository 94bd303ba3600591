import { Decimal } from 'decimal.js';
import { z } from 'zod';
import type { KindDefinition } from '../approvals/approvals.registry.js';
import { AppError } from '../shared/errors.js';
import { parsePrice } from '../shared/money.js';
import type { HousePricer } from './house.pricer.js';
import { moveBps } from './pricing.band.js';
import { spreadTiersView } from './pricing.js';

const referenceSchema = z.object({ mid: z.string().min(1).max(40) }).strict();
const spreadsSchema = z
  .object({
    tiers: z
      .array(z.object({ fromUsdt: z.string().max(40), bps: z.number() }).strict())
      .min(1)
      .max(100),
  })
  .strict();
export type PricingReference = z.infer<typeof referenceSchema>;
export type PricingSpreads = z.infer<typeof spreadsSchema>;

const ENTITY = { type: 'pricing_reference', id: 'house' };

function midOf(p: PricingReference): Decimal {
  const parsed = parsePrice(p.mid);
  if (!parsed.ok)
    throw new AppError('VALIDATION_FAILED', `The reference is refused: ${parsed.reason}.`, [
      { path: 'payload.mid', message: parsed.reason },
    ]);
  return parsed.price;
}

/**
 * `pricing.reference`: the house reference mid, set by two more people (policy in migration 0050):
 * the way to move it beyond PRICING_MAX_MOVE_BPS, and the first reference of a fresh desk. Once
 * applied it is also the anchor one risk officer's direct moves are measured from.
 */
export function pricingReferenceKind(house: HousePricer): KindDefinition<PricingReference> {
  return {
    kind: 'pricing.reference',
    schema: referenceSchema,
    async describe(tx, p) {
      const current = await house.reference(tx);
      const parsed = parsePrice(p.mid);
      const after = parsed.ok ? parsed.price.toFixed() : p.mid;
      const move =
        current && parsed.ok
          ? ` (${moveBps(new Decimal(current.mid), parsed.price).toDecimalPlaces(1).toFixed()} bps from ${current.mid})`
          : '';
      return {
        entity: ENTITY,
        version: await house.referenceVersion(tx),
        diff: [{ field: 'mid', before: current?.mid ?? null, after }],
        summary: `Set the house reference mid to ${after}${move}`,
      };
    },
    async validate(_tx, p) {
      midOf(p);
    },
    async apply(tx, p, ctx) {
      await house.writeReference(tx, midOf(p), ctx.audit, ctx.requestId);
    },
  };
}

/**
 * `pricing.spreads`: the house spread tiers, the only way they change (policy in migration 0050).
 * No tier may be below PRICING_MIN_SPREAD_BPS: refused when filed (and again when applied).
 */
export function pricingSpreadsKind(house: HousePricer): KindDefinition<PricingSpreads> {
  const checked = (p: PricingSpreads) => {
    const result = house.checkSpreads(p.tiers);
    if (!result.ok)
      throw new AppError(
        'VALIDATION_FAILED',
        `The spread tiers are refused: ${result.errors.map((e) => `${e.path} ${e.message}`).join('; ')}.`,
        result.errors.map((e) => ({ path: `payload.${e.path}`, message: e.message })),
      );
    return result.tiers;
  };
  const show = (tiers: readonly { fromUsdt: string; bps: number }[]) =>
    tiers.map((t) => `${t.bps} bps from ${t.fromUsdt}`).join(', ');
  return {
    kind: 'pricing.spreads',
    schema: spreadsSchema,
    async describe(tx, p) {
      const current = await house.spreads(tx);
      const before = spreadTiersView(current.tiers);
      return {
        entity: { type: 'pricing_spreads', id: 'house' },
        version: await house.spreadsVersion(tx),
        diff: [{ field: 'tiers', before, after: p.tiers }],
        summary: `Set the house spread tiers: ${show(p.tiers)} USDT`,
      };
    },
    async validate(_tx, p) {
      checked(p);
    },
    async apply(tx, p, ctx) {
      await house.writeSpreads(tx, checked(p), ctx.audit, ctx.requestId);
    },
  };
}
