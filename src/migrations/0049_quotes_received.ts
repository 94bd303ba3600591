import { sql, type Kysely } from 'kysely';

/**
 * The console's pricing screen (issue 16) shows each source's recent answers and latency: quotes by
 * source over the last hours, read through this index instead of the whole quote history.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index quotes_by_source on quotes (source, received_at desc)`.execute(db);
}
