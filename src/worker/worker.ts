import { Logger as WorkerLogger, run, type Runner, type TaskList } from 'graphile-worker';
import type pg from 'pg';
import type { Config } from '../config.js';
import type { JobsModule } from '../shared/jobs.js';
import type { Logger } from '../shared/logger.js';

export interface DeskWorker {
  running: () => boolean;
  stop: () => Promise<void>;
}

function adaptLogger(logger: Logger): WorkerLogger {
  return new WorkerLogger((scope) => (level, message, meta) => {
    const method =
      ({ error: 'error', warning: 'warn', info: 'info', debug: 'debug' } as const)[level as string] ??
      'debug';
    const error = meta && 'error' in meta ? String(meta.error) : undefined;
    logger[method]({ task: scope.taskIdentifier, jobId: scope.jobId, ...(error ? { error } : {}) }, message);
  });
}

/**
 * Batching (both off by default; WORKER_LOCAL_QUEUE_SIZE and WORKER_COMPLETE_BATCH_MS, 0 = off).
 * `localQueueSize`: one query fetches and locks that many jobs, then free slots are served from memory
 * (graphile-worker's `localQueue`; unused ones go back to the database after `ttl` or at a graceful
 * stop — a crashed worker's stay locked until graphile-worker's lock expiry, which is why settlements
 * have the sweep). `completeBatchMs`: job completions and failures are written in batches over that
 * window (`completeJobBatchDelay` / `failJobBatchDelay`) — a job done but not yet recorded when the
 * worker dies runs again.
 */
export interface WorkerTuning {
  localQueueSize?: number;
  completeBatchMs?: number;
}

/** graphile-worker 0.17 reads these from its preset (`run()` has no top-level option for them). */
export function tuningPreset(t: WorkerTuning): GraphileConfig.Preset | undefined {
  const worker: GraphileConfig.WorkerOptions = {};
  if (t.localQueueSize && t.localQueueSize > 0) worker.localQueue = { size: t.localQueueSize };
  if (t.completeBatchMs && t.completeBatchMs > 0) {
    worker.completeJobBatchDelay = t.completeBatchMs;
    worker.failJobBatchDelay = t.completeBatchMs;
  }
  return Object.keys(worker).length > 0 ? { worker } : undefined;
}

export const workerTuning = (
  config: Pick<Config, 'WORKER_LOCAL_QUEUE_SIZE' | 'WORKER_COMPLETE_BATCH_MS'>,
): WorkerTuning => ({
  localQueueSize: config.WORKER_LOCAL_QUEUE_SIZE,
  completeBatchMs: config.WORKER_COMPLETE_BATCH_MS,
});

export async function startWorker(opts: {
  pool: pg.Pool;
  modules: JobsModule[];
  concurrency: number;
  logger: Logger;
  tuning?: WorkerTuning;
}): Promise<DeskWorker> {
  const taskList: TaskList = Object.assign({}, ...opts.modules.map((m) => m.tasks)) as TaskList;
  const crontab = opts.modules.flatMap((m) => m.crontab ?? []).join('\n');
  const preset = tuningPreset(opts.tuning ?? {});
  const runner: Runner = await run({
    pgPool: opts.pool,
    taskList,
    crontab,
    concurrency: opts.concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: adaptLogger(opts.logger.child({ part: 'worker' })),
    ...(preset ? { preset } : {}),
  });
  for (const m of opts.modules) await m.onStart?.();
  let stopped = false;
  void runner.promise.finally(() => {
    stopped = true;
  });
  return {
    running: () => !stopped,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await runner.stop();
    },
  };
}
