import { z } from 'zod';
import type { KindDefinition } from '../approvals/approvals.registry.js';
import type { ClientsService } from './clients.service.js';
import { AppError } from '../shared/errors.js';
import type { LimitsService } from './limits.service.js';
import { formatUsdt, parseUsdt } from '../shared/money.js';

const amount = z.string().max(40).nullable();
const schema = z
  .object({ clientId: z.string().uuid(), maxPerTradeUsdt: amount, maxPerDayUsdt: amount })
  .strict();
type ClientLimits = z.infer<typeof schema>;

function units(text: string | null, path: string): bigint | null {
  if (text === null) return null;
  const r = parseUsdt(text);
  if (!r.ok)
    throw new AppError('VALIDATION_FAILED', `The limit is refused: ${r.reason}.`, [
      { path, message: r.reason },
    ]);
  return r.units;
}

/**
 * `client.limits`: a client's maximum per trade and per rolling 24 h in USDT (null: the desk's
 * default). Raising what a client may trade needs two people (policy in migration 0003).
 */
export function clientLimitsKind(deps: {
  clients: ClientsService;
  limits: LimitsService;
}): KindDefinition<ClientLimits> {
  const show = (u: bigint | null, def: bigint) =>
    u === null ? `default (${formatUsdt(def)})` : formatUsdt(u);
  return {
    kind: 'client.limits',
    schema,
    async describe(tx, p) {
      const client = await deps.clients.get(p.clientId, tx);
      if (!client)
        throw new AppError('VALIDATION_FAILED', 'There is no such client.', [
          { path: 'payload.clientId', message: 'is not a client' },
        ]);
      const row = await deps.limits.row(tx, p.clientId);
      const d = deps.limits.defaults;
      const cur = (v: string | null | undefined) => (v == null ? null : BigInt(v));
      const perTrade = units(p.maxPerTradeUsdt, 'payload.maxPerTradeUsdt');
      const perDay = units(p.maxPerDayUsdt, 'payload.maxPerDayUsdt');
      return {
        entity: { type: 'client_limits', id: client.id },
        version: row?.version ?? null,
        diff: [
          {
            field: 'maxPerTradeUsdt',
            before: show(cur(row?.max_per_trade_units), d.perTrade),
            after: show(perTrade, d.perTrade),
          },
          {
            field: 'maxPerDayUsdt',
            before: show(cur(row?.max_per_day_units), d.perDay),
            after: show(perDay, d.perDay),
          },
        ],
        summary: `Set limits of ${client.name} (${client.company}): ${show(perTrade, d.perTrade)} USDT per trade, ${show(perDay, d.perDay)} USDT per 24 h`,
      };
    },
    validate(_tx, p) {
      const perTrade = units(p.maxPerTradeUsdt, 'payload.maxPerTradeUsdt') ?? deps.limits.defaults.perTrade;
      const perDay = units(p.maxPerDayUsdt, 'payload.maxPerDayUsdt') ?? deps.limits.defaults.perDay;
      if (perTrade > perDay)
        return Promise.reject(
          new AppError('VALIDATION_FAILED', 'The maximum per trade cannot be above the 24-hour maximum.', [
            { path: 'payload.maxPerTradeUsdt', message: 'is above the 24-hour maximum' },
          ]),
        );
      return Promise.resolve();
    },
    /**
     * The most the client may trade in 24 h before and after (its per-trade maximum is never above
     * it): what a `notional` tier judges, the desk's default counting when a limit is null.
     */
    async notional(tx, p) {
      const row = await deps.limits.row(tx, p.clientId);
      const def = deps.limits.defaults.perDay;
      return {
        before: row?.max_per_day_units == null ? def : BigInt(row.max_per_day_units),
        after: units(p.maxPerDayUsdt, 'payload.maxPerDayUsdt') ?? def,
      };
    },
    async apply(tx, p, ctx) {
      await deps.limits.set(
        tx,
        p.clientId,
        units(p.maxPerTradeUsdt, 'payload.maxPerTradeUsdt'),
        units(p.maxPerDayUsdt, 'payload.maxPerDayUsdt'),
        ctx.audit,
        ctx.requestId,
      );
    },
  };
}
