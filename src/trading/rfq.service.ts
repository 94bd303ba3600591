import type { Decimal } from 'decimal.js';
import { randomUUID } from 'node:crypto';
import type { ClientsService } from '../clients/clients.service.js';
import type { Clock } from '../shared/clock.js';
import { sourcesOverview } from './pricing.sources.js';
import { withTransaction, type Db } from '../shared/db.js';
import { AppError } from '../shared/errors.js';
import { formatPrice, parsePrice, quoteTotal } from '../shared/money.js';
import { isBetter, type PriceRequest, type PricingSource } from './pricing.js';
import type { QuotesTable } from './trading.tables.js';
import type { TradingMetrics } from './trading.metrics.js';
import type { Selectable } from 'kysely';

export type QuoteRow = Selectable<QuotesTable>;

interface Answer {
  source: string;
  price: Decimal | null;
  error: string | null;
  latencyMs: number;
  receivedAt: Date;
}

/**
 * RFQ: every enabled source is asked in parallel, each with the same deadline; every answer (and
 * every failure or timeout) is stored as the best-execution record, and the best price is offered
 * firm until its expiry.
 */
export function createRfqService(deps: {
  db: Db;
  clock: Clock;
  clients: ClientsService;
  sources: () => readonly PricingSource[];
  deadlineMs: number;
  ttlSeconds: number;
  metrics?: TradingMetrics;
}) {
  const { db, clock } = deps;

  async function ask(source: PricingSource, request: PriceRequest): Promise<Answer> {
    const controller = new AbortController();
    const started = performance.now();
    const deadline = new Date(clock.now().getTime() + deps.deadlineMs);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`no answer within ${deps.deadlineMs} ms`));
      }, deps.deadlineMs);
    });
    const done = (price: Decimal | null, error: string | null): Answer => ({
      source: source.name,
      price,
      error,
      latencyMs: Math.round(performance.now() - started),
      receivedAt: clock.now(),
    });
    try {
      const { price } = await Promise.race([
        source.quote(request, { deadline, signal: controller.signal }),
        timeout,
      ]);
      const parsed = parsePrice(String(price));
      return parsed.ok
        ? done(parsed.price, null)
        : done(null, `unusable price ${JSON.stringify(price)}: ${parsed.reason}`);
    } catch (err) {
      return done(null, err instanceof Error ? err.message : String(err));
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    /** Each source's last hour and latest answers (the console's pricing screen). */
    sourcesOverview: () =>
      sourcesOverview(
        db,
        deps.sources().map((s) => s.name),
        clock.now(),
      ),
    async request(
      input: { clientId: string } & PriceRequest,
    ): Promise<{ rfqId: string; best: QuoteRow; quotes: QuoteRow[] }> {
      const client = await deps.clients.get(input.clientId);
      if (!client) throw new AppError('NOT_FOUND', 'There is no such client.');
      if (client.status !== 'active')
        throw new AppError('CLIENT_NOT_ACTIVE', `The client's account is ${client.status}: it cannot trade.`);
      // The RFQ's id is chosen before the sources are asked, so an external LP can record it too.
      const rfqId = randomUUID();
      const request: PriceRequest = {
        side: input.side,
        network: input.network,
        amountUnits: input.amountUnits,
        rfqId,
      };
      const answers = await Promise.all(deps.sources().map((s) => ask(s, request)));
      for (const a of answers) deps.metrics?.quoteLatency.observe({ source: a.source }, a.latencyMs / 1000);

      let best: Answer | undefined;
      for (const a of answers)
        if (a.price && (!best?.price || isBetter(input.side, a.price, best.price))) best = a;

      const result = await withTransaction(db, async (tx) => {
        const rfq = await tx
          .insertInto('rfqs')
          .values({
            id: rfqId,
            client_id: client.id,
            side: input.side,
            network: input.network,
            amount_units: input.amountUnits.toString(),
            outcome: best ? 'quoted' : 'no_quote',
            best_quote_id: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const expiresAt = new Date(clock.now().getTime() + deps.ttlSeconds * 1000);
        const quotes =
          answers.length === 0
            ? []
            : await tx
                .insertInto('quotes')
                .values(
                  answers.map((a) => ({
                    rfq_id: rfq.id,
                    client_id: client.id,
                    source: a.source,
                    side: input.side,
                    network: input.network,
                    amount_units: input.amountUnits.toString(),
                    price: a.price ? formatPrice(a.price) : null,
                    total: a.price ? quoteTotal(input.amountUnits, a.price, input.side) : null,
                    status:
                      a === best
                        ? ('offered' as const)
                        : a.price
                          ? ('not_best' as const)
                          : ('failed' as const),
                    error: a.error,
                    latency_ms: a.latencyMs,
                    received_at: a.receivedAt,
                    expires_at: a === best ? expiresAt : null,
                  })),
                )
                .returningAll()
                .execute();
        const offered = quotes.find((q) => q.status === 'offered');
        if (offered)
          await tx.updateTable('rfqs').set({ best_quote_id: offered.id }).where('id', '=', rfq.id).execute();
        return { rfqId: rfq.id, best: offered, quotes };
      });
      deps.metrics?.rfqs.inc({
        side: input.side,
        network: input.network,
        outcome: result.best ? 'quoted' : 'no_quote',
      });
      if (!result.best) {
        const reasons = answers.map((a) => `${a.source}: ${a.error ?? 'no price'}`).join('; ');
        throw new AppError(
          'NO_QUOTE',
          `No source could quote right now${reasons ? ` (${reasons})` : ''}. Try again shortly.`,
        );
      }
      return { rfqId: result.rfqId, best: result.best, quotes: result.quotes };
    },
  };
}

export type RfqService = ReturnType<typeof createRfqService>;
