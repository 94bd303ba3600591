import { cron, defineTask, handle, type JobsModule } from '../shared/jobs.js';
import type { Logger } from '../shared/logger.js';
import type { ApprovalsService } from './approvals.service.js';

export const APPROVALS_EXPIRE = defineTask('approvals_expire', {});

/** Expiry: a cron task moves every open request past its TTL to `expired` (audited, people notified). */
export function approvalsJobs(deps: { approvals: ApprovalsService; logger: Logger }): JobsModule {
  return {
    tasks: handle(APPROVALS_EXPIRE, async () => {
      const n = await deps.approvals.expireDue();
      if (n > 0) deps.logger.info({ expired: n }, 'change requests expired');
    }),
    crontab: [cron('* * * * *', APPROVALS_EXPIRE)],
  };
}
