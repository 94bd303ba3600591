import { sql, type Kysely } from 'kysely';

/**
 * Spread tiers set through the API (`PUT /api/pricing/spreads`, audited): one row per pricing source,
 * the whole tier list as one JSON array so a change replaces it atomically. Without a row the house
 * uses `PRICING_SPREAD_TIERS` from config.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table pricing_spreads (
      source text primary key,
      tiers jsonb not null check (jsonb_typeof(tiers) = 'array' and jsonb_array_length(tiers) > 0),
      set_at timestamptz not null,
      set_by_type text not null,
      set_by_id text
    );
  `.execute(db);
}
