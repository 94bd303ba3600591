import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Clock } from '../shared/clock.js';
import type { Db } from '../shared/db.js';
import { countOpenByKind, oldestOpenAt } from './approvals.repo.js';

export interface ApprovalMetrics {
  decisionSeconds: Histogram<'kind' | 'step'>;
  outcomes: Counter<'kind' | 'outcome'>;
}

/** `desk_approvals_pending` reads open requests through a partial index: cost follows the open queue, not history. */
export function createApprovalMetrics(registry: Registry, db: Db, clock?: Clock): ApprovalMetrics {
  if (clock)
    new Gauge({
      name: 'desk_approvals_oldest_pending_seconds',
      help: 'Age of the oldest change request pending or awaiting a co-sign (0 when none)',
      registers: [registry],
      async collect() {
        const oldest = await oldestOpenAt(db);
        this.set(oldest ? Math.max(0, (clock.now().getTime() - oldest.getTime()) / 1000) : 0);
      },
    });
  new Gauge({
    name: 'desk_approvals_pending',
    help: 'Change requests pending or awaiting a co-sign, by kind',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { kind, n } of await countOpenByKind(db)) this.set({ kind }, n);
    },
  });
  return {
    decisionSeconds: new Histogram({
      name: 'desk_approval_decision_seconds',
      help: 'Time from filing to each decision step',
      labelNames: ['kind', 'step'],
      buckets: [10, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 72 * 3600],
      registers: [registry],
    }),
    outcomes: new Counter({
      name: 'desk_approvals_total',
      help: 'Change requests by final outcome',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
  };
}
