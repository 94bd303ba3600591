import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, person, type Person } from '../../test/support/approvals.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';

/** Found by the API fuzz test (test/api-fuzz.test.ts): a non-digit `before` cursor was a 500. */
describe('the wallets pages refuse a malformed `before` cursor', () => {
  let t: TestServer;
  let auditor: Person;
  beforeAll(async () => {
    t = await buildTestServer();
    auditor = await person(t, ['auditor']);
  });
  afterAll(() => t.close());

  it('a float, an exponent, a JSON array or a sign in `before` is a 400 problem, not a 500', async () => {
    for (const before of ['7.4e-323', '1e3', '[null,true]', '-1', ' 1', '']) {
      for (const path of ['/api/wallets/reconciliations', '/api/ledger/accounts/x/entries']) {
        const url = `${path}?before=${encodeURIComponent(before)}`;
        const res = await call(t, auditor, 'GET', url);
        expect([url, res.status, res.body.code]).toEqual([url, 400, 'VALIDATION_FAILED']);
        expect(res.body.errors?.[0]?.path).toBe('querystring.before');
      }
    }
  });
});
