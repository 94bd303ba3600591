import { cron, defineTask, handle, type JobsModule } from '../shared/jobs.js';
import type { Logger } from '../shared/logger.js';
import type { ReconciliationService } from './reconcile.service.js';

/** Reconciles every desk wallet against its chain (stored as a run). */
export const WALLETS_RECONCILE = defineTask('wallets_reconcile', {});

/** Reconciliation on RECONCILE_CRON (graphile-worker's cron: one run per tick across all workers). */
export function walletsJobs(deps: {
  reconciliation: ReconciliationService;
  cron: string;
  logger: Logger;
}): JobsModule {
  return {
    tasks: handle(WALLETS_RECONCILE, async () => {
      const { run } = await deps.reconciliation.run({ trigger: 'schedule' });
      const fields = { runId: run.id, beyondTolerance: run.beyond_tolerance };
      if (run.beyond_tolerance > 0) deps.logger.warn(fields, 'wallets reconciled: drift beyond tolerance');
      else deps.logger.info(fields, 'wallets reconciled');
    }),
    crontab: [cron(deps.cron, WALLETS_RECONCILE)],
  };
}
