import { sql } from 'kysely';
import type { Executor } from '../shared/db.js';

export interface EnqueueOptions {
  /** A duplicate enqueue with the same key replaces the pending job instead of adding a second one. */
  jobKey?: string;
  runAt?: Date;
  maxAttempts?: number;
  queueName?: string;
}

/** Enqueues a job inside the caller's transaction: it exists if and only if the change commits. */
export async function enqueue(
  db: Executor,
  task: string,
  payload: object,
  opts: EnqueueOptions = {},
): Promise<void> {
  await sql`select graphile_worker.add_job(
    ${task}, ${JSON.stringify(payload)}::json,
    queue_name => ${opts.queueName ?? null}, run_at => ${opts.runAt ?? null}::timestamptz,
    max_attempts => ${opts.maxAttempts ?? 25}, job_key => ${opts.jobKey ?? null})`.execute(db);
}
