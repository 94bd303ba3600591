import type { Logger } from '../shared/logger.js';
import type { JobsModule } from '../worker/worker.js';
import type { SettlementWorker } from './settlement.worker.js';

const idOf = (payload: unknown): string => {
  const id = (payload as { id?: unknown } | null)?.id;
  if (typeof id !== 'string') throw new Error('settlement job without an id');
  return id;
};

/** The settlement worker's tasks; the sweep also runs when the worker starts (after a crash). */
export function settlementJobs(deps: { worker: SettlementWorker; logger: Logger }): JobsModule {
  const sweep = async () => {
    const n = await deps.worker.sweep();
    if (n > 0) deps.logger.info({ settlements: n }, 'stale settlements re-enqueued');
  };
  return {
    tasks: {
      settlement_process: async (payload) => deps.worker.process(idOf(payload)),
      settlement_confirm: async (payload) => deps.worker.confirm(idOf(payload)),
      settlement_sweep: sweep,
    },
    crontab: ['* * * * * settlement_sweep'],
    onStart: sweep,
  };
}
