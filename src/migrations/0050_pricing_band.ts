import { sql, type Kysely } from 'kysely';

/**
 * Issue 14 item 8: pricing under dual control. The house reference and spread tiers get a version (the
 * approvals engine's staleness check) and the request that last set them; the reference keeps its
 * `anchor_mid`, the mid of the last co-signed `pricing.reference`, from which one risk officer's direct
 * moves are measured (so a reference cannot be walked away in small steps). Existing rows keep no
 * anchor: on an upgraded desk without `PRICING_REFERENCE_MID` the first move is co-signed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table pricing_references
      add column version integer not null default 1,
      add column anchor_mid numeric check (anchor_mid > 0),
      add column set_by_request uuid;
    alter table pricing_spreads
      add column version integer not null default 1,
      add column set_by_request uuid;

    insert into approval_policies (kind, primary_roles, secondary_roles, ttl_seconds, tiers) values
      ('pricing.reference', '{risk_officer}', '{ops_approver,risk_officer}',  4 * 3600, '[]'),
      ('pricing.spreads',   '{risk_officer}', '{ops_approver,risk_officer}', 24 * 3600, '[]')
      on conflict (kind) do nothing;
  `.execute(db);
}
