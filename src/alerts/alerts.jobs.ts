import os from 'node:os';
import type { Logger } from '../shared/logger.js';
import { cron, defineTask, handle, type JobsModule } from '../shared/jobs.js';
import type { Evaluator } from './alerts.evaluator.js';
import type { AlertsService } from './alerts.service.js';

export const ALERTS_HEARTBEAT = defineTask('alerts_heartbeat', {});

/**
 * The evaluator runs on a timer in every worker process (every ALERTS_EVAL_SECONDS); the advisory lock
 * lets exactly one evaluate at a time. The heartbeat is a job (every minute, through the queue), so
 * `worker_down` notices a queue that no longer runs jobs even while a process still evaluates, and
 * `/metrics` on any API node shows the heartbeat ageing when no worker runs at all.
 */
export function alertsJobs(deps: {
  alerts: AlertsService;
  evaluator: Evaluator;
  evalSeconds: number;
  logger: Logger;
}): JobsModule {
  const workerId = `${os.hostname()}:${process.pid}`;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = deps.evaluator
      .cycle()
      .then((r) => {
        if (r.transitions.length > 0) deps.logger.info({ transitions: r.transitions }, 'alert transitions');
      })
      .catch((err: unknown) => deps.logger.error({ err: (err as Error).message }, 'alert evaluation failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, deps.evalSeconds * 1000);
      });
  };
  return {
    tasks: handle(ALERTS_HEARTBEAT, () => deps.alerts.heartbeat(workerId)),
    crontab: [cron('* * * * *', ALERTS_HEARTBEAT)],
    onStart: async () => {
      await deps.alerts.heartbeat(workerId);
      tick();
    },
    onStop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
