import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HousePricer } from './house.pricer.js';
import { spreadTiersView } from './pricing.js';
import type { RfqService } from './rfq.service.js';
import { quoteSchema, quoteView } from './trades.views.js';

const overviewSchema = z.object({
  reference: z
    .object({
      mid: z.string(),
      /** null: from config (PRICING_REFERENCE_MID), which does not go stale. */
      setAt: z.string().nullable(),
      via: z.enum(['api', 'config']),
      stale: z.boolean(),
      ageSeconds: z.number().nullable(),
      /** The co-signed pricing.reference that set it; null: a risk officer's move within the band, or config. */
      requestId: z.string().nullable(),
    })
    .nullable(),
  maxAgeSeconds: z.number(),
  /** The price band: direct moves within maxMoveBps of the anchor (last co-signed reference or config). */
  band: z.object({ maxMoveBps: z.number(), minSpreadBps: z.number(), anchorMid: z.string().nullable() }),
  /** Whether the house pricer can quote now (a reference that is not stale). */
  houseCanQuote: z.boolean(),
  spreads: z.object({
    via: z.enum(['api', 'config']),
    setAt: z.string().nullable(),
    tiers: z.array(z.object({ fromUsdt: z.string(), bps: z.number() })),
  }),
  sources: z.array(
    z.object({
      name: z.string(),
      lastHour: z.object({
        answers: z.number(),
        failed: z.number(),
        latencyMsP50: z.number().nullable(),
        latencyMsP95: z.number().nullable(),
      }),
      recent: z.array(quoteSchema),
    }),
  ),
});

/** The console's pricing screen: the reference mid, its age, the spread tiers and each source's recent answers. */
export function pricingConsoleRoutes(deps: {
  house: HousePricer;
  rfqs: Pick<RfqService, 'sourcesOverview'>;
  now: () => Date;
}): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/api/pricing/overview',
      {
        config: { access: { permission: 'pricing:read' } },
        schema: { tags: ['pricing'], response: { 200: overviewSchema } },
      },
      async () => {
        const now = deps.now();
        const [reference, spreads, sources, anchorMid] = await Promise.all([
          deps.house.reference(),
          deps.house.spreads(),
          deps.rfqs.sourcesOverview(),
          deps.house.anchor(),
        ]);
        return {
          reference: reference
            ? {
                mid: reference.mid,
                setAt: reference.setAt?.toISOString() ?? null,
                via: reference.via,
                stale: reference.stale,
                requestId: reference.requestId,
                ageSeconds: reference.setAt
                  ? Math.max(0, Math.round((now.getTime() - reference.setAt.getTime()) / 1000))
                  : null,
              }
            : null,
          maxAgeSeconds: deps.house.maxAgeSeconds,
          band: { ...deps.house.band, anchorMid },
          houseCanQuote: reference !== null && !reference.stale,
          spreads: {
            via: spreads.via,
            setAt: spreads.setAt?.toISOString() ?? null,
            tiers: spreadTiersView(spreads.tiers),
          },
          sources: sources.map((s) => ({ ...s, recent: s.recent.map(quoteView) })),
        };
      },
    );
  };
}
