import { formatUsdt } from '../shared/money.js';
import type { QuoteRow } from './rfq.service.js';
import type { TradeRow } from './trades.service.js';

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
