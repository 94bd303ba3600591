import type { Logger } from '../shared/logger.js';
import type { JobsModule } from '../worker/worker.js';
import type { ReconciliationService } from './reconcile.service.js';

export const RECONCILE_TASK = 'wallets_reconcile';

/** Reconciliation on RECONCILE_CRON (graphile-worker's cron: one run per tick across all workers). */
export function walletsJobs(deps: {
  reconciliation: ReconciliationService;
  cron: string;
  logger: Logger;
}): JobsModule {
  return {
    tasks: {
      [RECONCILE_TASK]: async () => {
        const { run } = await deps.reconciliation.run({ trigger: 'schedule' });
        const log =
          run.beyond_tolerance > 0 ? deps.logger.warn.bind(deps.logger) : deps.logger.info.bind(deps.logger);
        log({ runId: run.id, beyondTolerance: run.beyond_tolerance }, 'wallets reconciled');
      },
    },
    crontab: [`${deps.cron} ${RECONCILE_TASK}`],
  };
}
