import type { Config } from '../config.js';
import { cron, defineTask, handle, type JobsModule } from '../shared/jobs.js';
import type { Logger } from '../shared/logger.js';
import type { AuditService } from './audit.service.js';

export const AUDIT_SEAL = defineTask('audit_seal', {});

/**
 * `audit_seal` chains what committed since the last run and signs a checkpoint. Overlapping runs
 * (a slow seal, several workers) are harmless: the sealer takes an advisory lock and a later run
 * finds only what is left.
 */
export function auditJobs(deps: {
  audit: AuditService;
  config: Pick<Config, 'AUDIT_SEAL_CRON'>;
  logger: Logger;
}): JobsModule {
  return {
    tasks: handle(AUDIT_SEAL, async () => {
      const result = await deps.audit.seal();
      if (result.chained > 0)
        deps.logger.debug({ chained: result.chained, seq: result.seq }, 'audit events sealed');
    }),
    crontab: [cron(deps.config.AUDIT_SEAL_CRON, AUDIT_SEAL)],
  };
}
