import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { Db } from './db.js';
import { createErrorCounts, type ErrorCounts } from './error-counts.js';

/**
 * One registry per desk instance (tests build many). Domains add their own metrics to it; gauges
 * that reflect database state use `collect()` callbacks reading counters, never table scans.
 */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'method' | 'status'>;
  httpDuration: Histogram<'route' | 'method' | 'status'>;
  /** `desk_errors_total{source}`, counted across processes in PostgreSQL. */
  errors: ErrorCounts;
}

export function createMetrics(db: Db, onWriteError?: (err: unknown) => void): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'desk_http_requests_total',
      help: 'HTTP requests by route template, method and status',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'desk_http_request_duration_seconds',
      help: 'HTTP request duration by route template',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    errors: createErrorCounts(db, registry, onWriteError),
  };
}
