import { Decimal } from 'decimal.js';
import { withTransaction } from '../../src/shared/db.js';
import { validateSpreadTiers, type SpreadTierInput } from '../../src/trading/pricing.js';
import { call, REASON, type Person, type RequestBody } from './approvals.js';
import type { TestServer } from './server.js';

/**
 * Pricing fixtures. A reference or spread tiers as a co-signed request would leave them (anchor,
 * version, audit event), written through the house pricer's appliers: for tests about something else.
 * Tests about pricing itself go through `coSignPricing` (the HTTP API, three people).
 */
export async function storeReference(t: TestServer, mid: string): Promise<void> {
  const house = t.desk.services.trading.house;
  await withTransaction(t.database.db, (tx) =>
    house.writeReference(tx, new Decimal(mid), { actorType: 'system', actorId: null }, crypto.randomUUID()),
  );
}

export async function storeSpreads(t: TestServer, tiers: SpreadTierInput[]): Promise<void> {
  const checked = validateSpreadTiers(tiers);
  if (!checked.ok) throw new Error(`bad test tiers: ${JSON.stringify(checked.errors)}`);
  const house = t.desk.services.trading.house;
  await withTransaction(t.database.db, (tx) =>
    house.writeSpreads(tx, checked.tiers, { actorType: 'system', actorId: null }, crypto.randomUUID()),
  );
}

/** Files `kind` as `filer`, approves as `primary` naming `secondary`, co-signs as `secondary`. */
export async function coSignPricing(
  t: TestServer,
  kind: 'pricing.reference' | 'pricing.spreads',
  payload: unknown,
  [filer, primary, secondary]: [Person, Person, Person],
): Promise<RequestBody> {
  const filed = await call<RequestBody>(t, filer, 'POST', '/api/approvals', {
    kind,
    payload,
    note: 'Market moved: new pricing for the desk',
  });
  if (filed.status !== 201) throw new Error(`filing ${kind}: ${filed.status} ${JSON.stringify(filed.body)}`);
  const approved = await call(t, primary, 'POST', `/api/approvals/${filed.body.id}/approve`, {
    reason: REASON,
    secondaryApproverId: secondary.id,
  });
  if (approved.status !== 200)
    throw new Error(`approving ${kind}: ${approved.status} ${JSON.stringify(approved.body)}`);
  const done = await call<RequestBody>(t, secondary, 'POST', `/api/approvals/${filed.body.id}/cosign`, {
    reason: 'Checked against the market and co-signed.',
  });
  if (done.status !== 200) throw new Error(`co-signing ${kind}: ${done.status} ${JSON.stringify(done.body)}`);
  return done.body;
}
