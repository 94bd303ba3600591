import type { Logger } from '../shared/logger.js';
import type { JobsModule } from '../worker/worker.js';
import type { ApprovalsService } from './approvals.service.js';

/** Expiry: a cron task moves every open request past its TTL to `expired` (audited, people notified). */
export function approvalsJobs(deps: { approvals: ApprovalsService; logger: Logger }): JobsModule {
  return {
    tasks: {
      approvals_expire: async () => {
        const n = await deps.approvals.expireDue();
        if (n > 0) deps.logger.info({ expired: n }, 'change requests expired');
      },
    },
    crontab: ['* * * * * approvals_expire'],
  };
}
