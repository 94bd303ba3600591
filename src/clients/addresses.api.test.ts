import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, person, REASON, type Person, type RequestBody } from '../../test/support/approvals.js';
import { newClient } from '../../test/support/clients.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';

const TRON = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';
const ETH = '0xdAC17F958D2ee523a2206206994597C13D831ec7';

describe('payout addresses through client.address', () => {
  let t: TestServer;
  let requester: Person, primary: Person, secondary: Person;
  beforeAll(async () => {
    t = await buildTestServer();
    [requester, primary, secondary] = await Promise.all([
      person(t, ['ops_approver']),
      person(t, ['ops_approver']),
      person(t, ['risk_officer']),
    ]);
  });
  afterAll(() => t.close());

  const rows = (clientId: string) =>
    t.database.db
      .selectFrom('client_addresses')
      .selectAll()
      .where('client_id', '=', clientId)
      .orderBy('created_at')
      .execute();

  async function decide(id: string) {
    const approved = await call<RequestBody>(t, primary, 'POST', `/api/approvals/${id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const cosigned = await call<RequestBody>(t, secondary, 'POST', `/api/approvals/${id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    expect(cosigned.status, JSON.stringify(cosigned.body)).toBe(200);
    return cosigned.body;
  }

  it('an operator registers a TRON address: pending until co-signed, then whitelisted', async () => {
    const client = await newClient(t);
    const filed = await call<{ address: { status: string }; request: RequestBody }>(
      t,
      requester,
      'POST',
      `/api/clients/${client.id}/addresses`,
      { network: 'tron', address: TRON },
    );
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    expect(filed.body.address.status).toBe('pending');
    expect(filed.body.request.diff).toEqual([{ field: 'addresses.tron', before: null, after: TRON }]);
    expect((await rows(client.id)).map((r) => r.status)).toEqual(['pending']);

    const decided = await decide(filed.body.request.id);
    expect(decided.status).toBe('approved');
    expect((await rows(client.id)).map((r) => [r.network, r.address, r.status])).toEqual([
      ['tron', TRON, 'whitelisted'],
    ]);

    // filing it again is refused: it is already whitelisted
    const again = await call(t, requester, 'POST', `/api/clients/${client.id}/addresses`, {
      network: 'tron',
      address: TRON,
    });
    expect(again.status).toBe(400);
    expect(JSON.stringify(again.body)).toMatch(/already whitelisted/);
  });

  it('removal is co-signed likewise', async () => {
    const client = await newClient(t);
    const filed = await call<{ request: RequestBody }>(
      t,
      requester,
      'POST',
      `/api/clients/${client.id}/addresses`,
      { network: 'ethereum', address: ETH },
    );
    await decide(filed.body.request.id);
    const removal = await call<{ request: RequestBody }>(
      t,
      requester,
      'POST',
      `/api/clients/${client.id}/addresses`,
      { network: 'ethereum', address: ETH, action: 'remove' },
    );
    expect(removal.status, JSON.stringify(removal.body)).toBe(201);
    expect((await rows(client.id)).map((r) => r.status)).toEqual(['whitelisted']);
    expect((await decide(removal.body.request.id)).status).toBe('approved');
    expect((await rows(client.id)).map((r) => r.status)).toEqual(['removed']);
  });

  it.each([
    ['tron', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u', /checksum does not match/],
    ['ethereum', ETH.toLowerCase(), /no EIP-55 checksum/],
    ['ethereum', TRON, /starts with 0x/],
  ])(
    'an invalid %s address is refused with the reason and nothing is stored',
    async (network, address, reason) => {
      const client = await newClient(t);
      const res = await call(t, requester, 'POST', `/api/clients/${client.id}/addresses`, {
        network,
        address,
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(res.body)).toMatch(reason);
      expect(await rows(client.id)).toEqual([]);
    },
  );

  it('an unknown client is 404; a rejected request leaves the address pending, never whitelisted', async () => {
    expect(
      (
        await call(t, requester, 'POST', '/api/clients/00000000-0000-0000-0000-000000000000/addresses', {
          network: 'tron',
          address: TRON,
        })
      ).status,
    ).toBe(404);
    const client = await newClient(t);
    const filed = await call<{ request: RequestBody }>(
      t,
      requester,
      'POST',
      `/api/clients/${client.id}/addresses`,
      { network: 'tron', address: TRON },
    );
    expect(
      (await call(t, primary, 'POST', `/api/approvals/${filed.body.request.id}/reject`, { reason: REASON }))
        .status,
    ).toBe(200);
    expect((await rows(client.id)).map((r) => r.status)).toEqual(['pending']);
  });
});
