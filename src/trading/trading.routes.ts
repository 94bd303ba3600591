import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requestView } from '../approvals/approvals.schemas.js';
import { auditContext } from '../shared/request-context.js';
import { AppError } from '../shared/errors.js';
import type { HousePricer, Reference, Spreads } from './house.pricer.js';
import type { TradesService } from './trades.service.js';
import { parseUsdt } from '../shared/money.js';
import { spreadTiersView } from './pricing.js';
import { changeRequestSchema } from '../approvals/approvals.api.js';

const referenceSchema = z
  .object({
    mid: z.string(),
    setAt: z.string().nullable(),
    via: z.enum(['api', 'config']),
    stale: z.boolean(),
  })
  .nullable();
const spreadsSchema = z.object({
  tiers: z.array(z.object({ fromUsdt: z.string(), bps: z.number() })),
  via: z.enum(['api', 'config']),
  setAt: z.string().nullable(),
});

const idParams = z.object({ id: z.string().uuid() }).strict();

const referenceView = (ref: Reference | null) =>
  ref ? { mid: ref.mid, setAt: ref.setAt?.toISOString() ?? null, via: ref.via, stale: ref.stale } : null;
const spreadsView = (s: Spreads) => ({
  tiers: spreadTiersView(s.tiers),
  via: s.via,
  setAt: s.setAt?.toISOString() ?? null,
});

/** Operator API for pricing and trades: trade changes are filed as requests and applied only when co-signed. */
export function tradingRoutes(deps: { house: HousePricer; trades: TradesService }): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    const read = { access: { permission: 'pricing:read' as const } };
    r.get(
      '/api/pricing',
      {
        config: read,
        schema: { response: { 200: z.object({ reference: referenceSchema, spreads: spreadsSchema }) } },
      },
      async () => {
        const [reference, spreads] = await Promise.all([deps.house.reference(), deps.house.spreads()]);
        return { reference: referenceView(reference), spreads: spreadsView(spreads) };
      },
    );

    const referenceReply = z.object({
      reference: referenceSchema,
      /** The tiers with whole-USDT thresholds and bps as decimal strings. */
      spreadTiers: z.array(z.object({ fromUsdt: z.string(), bps: z.string() })),
    });
    r.get(
      '/api/pricing/reference',
      { config: read, schema: { response: { 200: referenceReply } } },
      async () => {
        const [reference, spreads] = await Promise.all([deps.house.reference(), deps.house.spreads()]);
        return {
          reference: referenceView(reference),
          spreadTiers: spreads.tiers.map((t) => ({
            fromUsdt: (t.fromUnits / 1_000_000n).toString(),
            bps: t.bps.toFixed(),
          })),
        };
      },
    );

    // Spread tiers change only through a co-signed `pricing.spreads` (issue 14 item 8): one person's PUT
    // is refused with a code that says so, rather than a bare 404 for a route that used to exist.
    r.put(
      '/api/pricing/spreads',
      {
        config: { access: { permission: 'pricing:write' } },
        // The old body, so a malformed one still gets its per-field errors before the pointer to pricing.spreads.
        schema: {
          body: z
            .object({
              tiers: z.array(z.object({ fromUsdt: z.string().max(40), bps: z.number() }).strict()).max(100),
            })
            .strict(),
        },
      },
      async () => {
        throw new AppError(
          'SPREADS_NEED_APPROVAL',
          'Spread tiers change only through a co-signed pricing.spreads change request: file one with POST /api/approvals {"kind": "pricing.spreads", "payload": {"tiers": […]}, "note": "why"}.',
        );
      },
    );

    // Within the band one risk officer sets it; beyond it: PRICE_MOVE_NEEDS_APPROVAL (file pricing.reference).
    r.put(
      '/api/pricing/reference',
      {
        config: { access: { permission: 'pricing:write', stepUp: true } },
        schema: {
          body: z.object({ mid: z.string().max(40) }).strict(),
          response: { 200: z.object({ reference: referenceSchema }) },
        },
      },
      async (req) => ({
        reference: referenceView(await deps.house.setReference(req.body.mid, auditContext(req))),
      }),
    );

    const reason = z.string().min(1).max(2000);
    r.post(
      '/api/trades/:id/cancel',
      {
        config: { access: { permission: 'trades:change' } },
        schema: {
          params: idParams,
          body: z.object({ reason }).strict(),
          response: { 201: changeRequestSchema },
        },
      },
      async (req, reply) => {
        const actor = req.actor;
        if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
        const { request } = await deps.trades.fileCancel(
          req.params.id,
          { type: 'operator', id: actor.operatorId },
          auditContext(req),
          req.body.reason,
        );
        return reply.status(201).send(requestView(request));
      },
    );

    r.post(
      '/api/trades/:id/amend',
      {
        config: { access: { permission: 'trades:change' } },
        schema: {
          params: idParams,
          body: z
            .object({
              amount: z.string().max(40).optional(),
              address: z.string().min(1).max(100).optional(),
              reason,
            })
            .strict(),
          response: { 201: changeRequestSchema },
        },
      },
      async (req, reply) => {
        const actor = req.actor;
        if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
        let amountUnits: bigint | undefined;
        if (req.body.amount !== undefined) {
          const parsed = parseUsdt(req.body.amount);
          if (!parsed.ok)
            throw new AppError('VALIDATION_FAILED', `The amount is refused: ${parsed.reason}.`, [
              { path: 'amount', message: parsed.reason },
            ]);
          amountUnits = parsed.units;
        }
        const { request } = await deps.trades.fileAmend(
          req.params.id,
          { amountUnits, address: req.body.address },
          { type: 'operator', id: actor.operatorId },
          auditContext(req),
          req.body.reason,
        );
        return reply.status(201).send(requestView(request));
      },
    );
  };
}
