import type { JobHelpers, TaskList } from 'graphile-worker';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Executor } from './db.js';

/**
 * A worker task a domain declares in its `*.jobs.ts`: the name graphile-worker knows it by and the
 * payload's schema, versioned. Call sites enqueue through the declaration, never by a bare name, so a
 * payload that does not match its task fails where it is written, not later in the worker.
 */
export interface TaskDef<Name extends string = string, Schema extends z.ZodObject = z.ZodObject> {
  readonly name: Name;
  readonly version: number;
  readonly payload: Schema;
}

/**
 * Declares a task. Every payload carries `v` (the version); jobs enqueued before versions existed
 * have none and read as version 1, so a queue that survives an upgrade still runs.
 */
export function defineTask<Name extends string, Shape extends z.ZodRawShape>(
  name: Name,
  shape: Shape,
  version = 1,
) {
  const payload = z.object({ v: z.literal(version).default(version), ...shape });
  return { name, version, payload } as const satisfies TaskDef<Name>;
}

export interface EnqueueOptions {
  /** A duplicate enqueue with the same key replaces the pending job instead of adding a second one. */
  jobKey?: string;
  runAt?: Date;
  maxAttempts?: number;
  queueName?: string;
}

type PayloadIn<T extends TaskDef> = Omit<z.input<T['payload']>, 'v'>;

/** Enqueues a job inside the caller's transaction: it exists if and only if the change commits. */
export async function enqueue<T extends TaskDef>(
  db: Executor,
  task: T,
  payload: PayloadIn<T>,
  opts: EnqueueOptions = {},
): Promise<void> {
  const body = task.payload.parse({ ...payload, v: task.version });
  await sql`select graphile_worker.add_job(
    ${task.name}, ${JSON.stringify(body)}::json,
    queue_name => ${opts.queueName ?? null}, run_at => ${opts.runAt ?? null}::timestamptz,
    max_attempts => ${opts.maxAttempts ?? 25}, job_key => ${opts.jobKey ?? null})`.execute(db);
}

/** The handler of a declared task: its payload parsed (a malformed one fails the job, with the reason). */
export function handle<T extends TaskDef>(
  task: T,
  run: (payload: z.output<T['payload']>, helpers: JobHelpers) => Promise<void>,
): TaskList {
  return {
    [task.name]: async (raw, helpers) => {
      const parsed = task.payload.safeParse(raw ?? {}) as z.ZodSafeParseResult<z.output<T['payload']>>;
      if (!parsed.success) {
        throw new Error(`${task.name}: malformed payload (${z.prettifyError(parsed.error)})`);
      }
      await run(parsed.data, helpers);
    },
  };
}

/** A crontab line for a declared task (graphile-worker's crontab format). */
export const cron = (schedule: string, task: TaskDef): string => `${schedule} ${task.name}`;

/** What each domain's `*.jobs.ts` contributes to the worker: its tasks and its crontab lines. */
export interface JobsModule {
  tasks: TaskList;
  crontab?: string[];
  /** Runs once when the worker has started (e.g. recovering work a crashed worker left behind). */
  onStart?: () => Promise<void>;
}
