import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, person, type Person } from '../../test/support/approvals.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';

/** Issue 16 item 1: a request nobody eligible can decide says so, naming the missing role. */
let t: TestServer;
let admin: Person;
beforeAll(async () => {
  t = await buildTestServer();
  admin = await person(t, ['platform_admin']);
});
afterAll(() => t.close());

interface View {
  id: string;
  undecidableReason: string | null;
  missingRoles: string[];
}

describe('undecidable requests', () => {
  it('a lone admin: the role grant and its form name the missing platform_admin, then risk_officer', async () => {
    const hire = await person(t, []);
    const form = await call<View & { decidable: boolean }>(
      t,
      admin,
      'GET',
      '/api/approvals/policies/operator.role/eligibility',
    );
    expect(form.body).toMatchObject({ decidable: false, step: 'primary', missingRoles: ['platform_admin'] });

    const filed = await call<View>(t, admin, 'POST', '/api/approvals', {
      kind: 'operator.role',
      payload: { operatorId: hire.id, role: 'auditor', action: 'grant' },
    });
    const lone = await call<View>(t, admin, 'GET', `/api/approvals/${filed.body.id}`);
    expect(lone.body.missingRoles).toEqual(['platform_admin']);
    expect(lone.body.undecidableReason).toContain('platform_admin');

    await person(t, ['platform_admin']); // a second admin could approve, but nobody could co-sign
    const noRisk = await call<View>(t, admin, 'GET', `/api/approvals/${filed.body.id}`);
    expect(noRisk.body.missingRoles).toEqual(['risk_officer']);
    const formNoRisk = await call(t, admin, 'GET', '/api/approvals/policies/operator.role/eligibility');
    expect(formNoRisk.body).toMatchObject({
      decidable: false,
      step: 'secondary',
      missingRoles: ['risk_officer'],
    });

    await person(t, ['risk_officer']);
    const ok = await call<View>(t, admin, 'GET', `/api/approvals/${filed.body.id}`);
    expect(ok.body).toMatchObject({ undecidableReason: null, missingRoles: [] });
    const formOk = await call(t, admin, 'GET', '/api/approvals/policies/operator.role/eligibility');
    expect(formOk.body).toMatchObject({ decidable: true, step: null, missingRoles: [] });
  });
});
