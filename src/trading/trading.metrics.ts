import { Counter, Histogram, type Registry } from 'prom-client';

/** Trading metrics: RFQ outcomes, each source's latency, trades and their notional. */
export function createTradingMetrics(registry: Registry) {
  return {
    rfqs: new Counter({
      name: 'desk_rfq_total',
      help: 'RFQs by side, network and outcome (quoted, no_quote)',
      labelNames: ['side', 'network', 'outcome'],
      registers: [registry],
    }),
    quoteLatency: new Histogram({
      name: 'desk_quote_latency_seconds',
      help: 'How long each pricing source took to answer (or to fail)',
      labelNames: ['source'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers: [registry],
    }),
    trades: new Counter({
      name: 'desk_trades_total',
      help: 'Trades booked by side and network',
      labelNames: ['side', 'network'],
      registers: [registry],
    }),
    notional: new Counter({
      name: 'desk_trade_notional_usdt_total',
      help: 'USDT booked in trades',
      registers: [registry],
    }),
  };
}

export type TradingMetrics = ReturnType<typeof createTradingMetrics>;
