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

/** Back-off between restarts of a runner that stopped on its own (a lost database, most often). */
const RESTART_MIN_MS = 500;
const RESTART_MAX_MS = 5_000;

/**
 * Starts graphile-worker, supervised: when its runner stops by itself — graphile-worker shuts a pool
 * down when it cannot record a job's completion or failure, which is what a lost database does — it is
 * started again with back-off (0.5 s doubling to 5 s) until it runs, so the queue resumes within seconds
 * of PostgreSQL coming back without restarting the desk. `running()` is false while no runner runs or
 * while the runner cannot fetch jobs (its last attempt failed), so the health check does not claim the
 * worker is fine. The modules' `onStart` runs once, after the first start; `onStop` once, at `stop()`.
 */
export async function startWorker(opts: {
  pool: pg.Pool;
  modules: JobsModule[];
  concurrency: number;
  logger: Logger;
  tuning?: WorkerTuning;
  /** Each job that failed for good, its attempts spent (counted in desk_errors_total{source="job"}). */
  onJobFailed?: () => void;
}): Promise<DeskWorker> {
  const taskList: TaskList = Object.assign({}, ...opts.modules.map((m) => m.tasks)) as TaskList;
  const crontab = opts.modules.flatMap((m) => m.crontab ?? []).join('\n');
  const preset = tuningPreset(opts.tuning ?? {});
  const logger = opts.logger.child({ part: 'worker' });
  let runner: Runner | undefined;
  let stopped = false;
  let fetching = true;
  let delay = RESTART_MIN_MS;
  let timer: NodeJS.Timeout | undefined;

  const launch = async (): Promise<void> => {
    const r = await run({
      pgPool: opts.pool,
      taskList,
      crontab,
      concurrency: opts.concurrency,
      noHandleSignals: true,
      pollInterval: 1000,
      logger: adaptLogger(logger),
      ...(preset ? { preset } : {}),
    });
    runner = r;
    fetching = true;
    if (opts.onJobFailed) r.events.on('job:failed', () => opts.onJobFailed?.());
    r.events.on('worker:getJob:error', () => (fetching = false));
    r.events.on('worker:getJob:empty', () => (fetching = true));
    r.events.on('job:start', () => {
      fetching = true;
      delay = RESTART_MIN_MS;
    });
    // Handled here, always: an unobserved rejection of the runner's promise would end the process.
    r.promise.then(
      () => ended(r),
      (err: unknown) => ended(r, err),
    );
  };

  const ended = (r: Runner, err?: unknown) => {
    if (runner === r) runner = undefined;
    if (stopped) return;
    logger.error(
      { err: err instanceof Error ? err.message : err, retryInMs: delay },
      'the worker stopped by itself (database unreachable?): restarting it',
    );
    schedule();
  };

  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (stopped) return;
      launch().catch((err: unknown) => {
        logger.warn({ err: (err as Error).message, retryInMs: delay }, 'the worker cannot start yet');
        schedule();
      });
    }, delay);
    delay = Math.min(delay * 2, RESTART_MAX_MS);
  };

  await launch();
  for (const m of opts.modules) await m.onStart?.();
  return {
    running: () => !stopped && runner !== undefined && fetching,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      for (const m of opts.modules) await m.onStop?.();
      await runner
        ?.stop()
        .catch((err: unknown) =>
          logger.warn({ err: (err as Error).message }, 'the worker did not stop cleanly'),
        );
    },
  };
}
