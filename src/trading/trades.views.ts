import { z } from 'zod';
import { formatUsdt } from '../shared/money.js';
import { NETWORKS } from '../shared/networks.js';
import type { QuoteRow } from './rfq.service.js';
import type { TradeRow } from './trades.service.js';

/** A trade as the API shows it (tradeView). */
export const tradeSchema = z
  .object({
    id: z.string().uuid(),
    clientId: z.string().uuid(),
    quoteId: z.string().uuid(),
    rfqId: z.string().uuid(),
    side: z.enum(['buy', 'sell']),
    network: z.enum(NETWORKS),
    amountUsdt: z.string(),
    price: z.string(),
    total: z.string(),
    address: z.string(),
    status: z.string(),
    bookedAt: z.string(),
  })
  .meta({ id: 'Trade' });

/** A quote as the API shows it (quoteView). */
export const quoteSchema = z.object({
  id: z.string().uuid(),
  rfqId: z.string().uuid(),
  source: z.string(),
  side: z.enum(['buy', 'sell']),
  network: z.enum(NETWORKS),
  amountUsdt: z.string(),
  price: z.string().nullable(),
  total: z.string().nullable(),
  status: z.enum(['offered', 'not_best', 'failed', 'accepted']),
  error: z.string().nullable(),
  latencyMs: z.number(),
  receivedAt: z.string(),
  expiresAt: z.string().nullable(),
});

/** How a trade is shown over HTTP: amounts as USDT decimal strings, prices and totals as strings. */
export const tradeView = (t: TradeRow) => ({
  id: t.id,
  clientId: t.client_id,
  quoteId: t.quote_id,
  rfqId: t.rfq_id,
  side: t.side,
  network: t.network,
  amountUsdt: formatUsdt(BigInt(t.amount_units)),
  price: t.price,
  total: t.total,
  address: t.address,
  status: t.status,
  bookedAt: t.booked_at.toISOString(),
});

export const quoteView = (q: QuoteRow) => ({
  id: q.id,
  rfqId: q.rfq_id,
  source: q.source,
  side: q.side,
  network: q.network,
  amountUsdt: formatUsdt(BigInt(q.amount_units)),
  price: q.price,
  total: q.total,
  status: q.status,
  error: q.error,
  latencyMs: q.latency_ms,
  receivedAt: q.received_at.toISOString(),
  expiresAt: q.expires_at?.toISOString() ?? null,
});
