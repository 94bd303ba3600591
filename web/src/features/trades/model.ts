/** Shapes of the trades API (src/trading/trades.console.routes.ts). */
import type { Trade } from '../clients/model';
import type { Network } from '../settlements/model';

export type { Trade };

export interface Quote {
  id: string;
  source: string;
  side: 'buy' | 'sell';
  network: Network;
  amountUsdt: string;
  price: string | null;
  total: string | null;
  status: 'offered' | 'not_best' | 'failed' | 'accepted';
  error: string | null;
  latencyMs: number;
  receivedAt: string;
  expiresAt: string | null;
}

export interface TradeRequest {
  id: string;
  kind: string;
  status: string;
  summary: string;
  note: string | null;
  requestedBy: { type: string; id: string | null; name: string | null };
  createdAt: string;
  decidedAt: string | null;
}

export interface TradeDetail extends Trade {
  rfq: {
    id: string;
    side: 'buy' | 'sell';
    network: Network;
    amountUsdt: string;
    outcome: 'quoted' | 'no_quote';
    bestQuoteId: string | null;
    createdAt: string;
  } | null;
  quotes: Quote[];
  requests: TradeRequest[];
}

export const QUOTE_WORDS: Record<Quote['status'], string> = {
  accepted: 'Accepted',
  offered: 'Best offer (not taken)',
  not_best: 'Not the best',
  failed: 'No answer',
};

export const SIDES = ['buy', 'sell'] as const;
