import { Logger as WorkerLogger, run, type Runner, type TaskList } from 'graphile-worker';
import type pg from 'pg';
import type { Logger } from '../shared/logger.js';

/** What each domain's `*.jobs.ts` contributes: its tasks and its crontab lines. */
export interface JobsModule {
  tasks: TaskList;
  crontab?: string[];
  /** Runs once when the worker has started (e.g. recovering work a crashed worker left behind). */
  onStart?: () => Promise<void>;
}

export interface DeskWorker {
  running: () => boolean;
  stop: () => Promise<void>;
}

function adaptLogger(logger: Logger): WorkerLogger {
  return new WorkerLogger((scope) => (level, message, meta) => {
    const method = ({ error: 'error', warning: 'warn', info: 'info', debug: 'debug' } as const)[level as string] ?? 'debug';
    const error = meta && 'error' in meta ? String(meta.error) : undefined;
    logger[method]({ task: scope.taskIdentifier, jobId: scope.jobId, ...(error ? { error } : {}) }, message);
  });
}

export async function startWorker(opts: { pool: pg.Pool; modules: JobsModule[]; concurrency: number; logger: Logger }): Promise<DeskWorker> {
  const taskList: TaskList = Object.assign({}, ...opts.modules.map((m) => m.tasks)) as TaskList;
  const crontab = opts.modules.flatMap((m) => m.crontab ?? []).join('\n');
  const runner: Runner = await run({
    pgPool: opts.pool,
    taskList,
    crontab,
    concurrency: opts.concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: adaptLogger(opts.logger.child({ part: 'worker' })),
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
