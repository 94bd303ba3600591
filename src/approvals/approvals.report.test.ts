import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { call, person, REASON, type Person, type RequestBody } from '../../test/support/approvals.js';

interface Report {
  totals: { requests: number; outcomes: Record<string, number> };
  requests: {
    id: string;
    status: string;
    digest: string;
    requester: { email: string };
    primary: { email: string; reason: string } | null;
    secondary: { email: string } | null;
    rejection: { reason: string } | null;
  }[];
  statistics: {
    timeToDecision: {
      email: string;
      step: string;
      decisions: number;
      medianSeconds: number;
      p90Seconds: number;
    }[];
    pairs: { a: { email: string }; b: { email: string }; approved: number }[];
  };
}

/** A small RFC 4180 reader: quoted cells with doubled quotes, commas and newlines inside. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

describe("the regulators' approvals report", () => {
  let t: TestServer;
  let admin: Person;
  let admin2: Person;
  let risk: Person;
  let risk2: Person;
  let auditor: Person;
  let ops: Person;

  beforeAll(async () => {
    t = await buildTestServer();
    [admin, admin2, risk, risk2, auditor, ops] = await Promise.all([
      person(t, ['platform_admin']),
      person(t, ['platform_admin']),
      person(t, ['risk_officer']),
      person(t, ['risk_officer']),
      person(t, ['auditor']),
      person(t, ['ops_approver']),
    ]);
    // two grants approved by the same pair, one rejected, one left pending
    for (const target of [auditor, ops]) {
      const req = await call<RequestBody>(t, admin, 'POST', '/api/approvals', {
        kind: 'operator.role',
        payload: { operatorId: target.id, role: 'risk_officer', action: 'grant' },
      });
      await call(t, admin2, 'POST', `/api/approvals/${req.body.id}/approve`, {
        reason: REASON,
        secondaryApproverId: risk.id,
      });
      await call(t, risk, 'POST', `/api/approvals/${req.body.id}/cosign`, {
        reason: 'Checked and co-signed.',
      });
    }
    const rejected = await call<RequestBody>(t, admin, 'POST', '/api/approvals', {
      kind: 'operator.role',
      payload: { operatorId: risk2.id, role: 'auditor', action: 'grant' },
    });
    await call(t, risk2, 'POST', `/api/approvals/${rejected.body.id}/reject`, {
      reason: 'No business need documented',
    });
    await call(t, admin, 'POST', '/api/approvals', {
      kind: 'operator.role',
      payload: { operatorId: admin2.id, role: 'auditor', action: 'grant' },
    });
  });
  afterAll(() => t.close());

  it('lists every request with requester, approvers, reasons, outcome and digest', async () => {
    const res = await call<Report>(t, auditor, 'GET', '/api/approvals/report');
    expect(res.status).toBe(200);
    expect(res.body.totals).toEqual({ requests: 4, outcomes: { approved: 2, rejected: 1, pending: 1 } });
    const approved = res.body.requests.filter((r) => r.status === 'approved');
    expect(approved).toHaveLength(2);
    for (const r of approved) {
      expect(r).toMatchObject({
        requester: { email: admin.op.email },
        primary: { email: admin2.op.email, reason: REASON },
        secondary: { email: risk.op.email },
      });
      expect(r.digest).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(res.body.requests.find((r) => r.status === 'rejected')?.rejection?.reason).toBe(
      'No business need documented',
    );
  });

  it('counts how often the same two people approve together, and time to decision per approver', async () => {
    const res = await call<Report>(t, auditor, 'GET', '/api/approvals/report');
    expect(res.body.statistics.pairs.map((p) => p.approved)).toEqual([2]);
    const pair = [res.body.statistics.pairs[0]?.a.email, res.body.statistics.pairs[0]?.b.email].sort();
    expect(pair).toEqual([admin2.op.email, risk.op.email].sort());
    const primary = res.body.statistics.timeToDecision.find(
      (s) => s.email === admin2.op.email && s.step === 'primary',
    );
    expect(primary?.decisions).toBe(2);
    expect(primary?.medianSeconds).toBeGreaterThanOrEqual(0);
    expect(primary?.p90Seconds).toBeGreaterThanOrEqual(primary?.medianSeconds ?? 0);
    expect(res.body.statistics.timeToDecision.find((s) => s.email === risk2.op.email)?.step).toBe('reject');
  });

  it('exports CSV with a record type per row, safe against spreadsheet formulas', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/approvals/report?format=csv',
      headers: auditor.session.bearer,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="approvals-.*\.csv"/);
    const lines = res.body.trim().split('\n');
    expect(lines[0]).toMatch(/^record,id,kind,status/);
    expect(lines.filter((l) => l.startsWith('request,'))).toHaveLength(4);
    expect(lines.filter((l) => l.startsWith('pair,'))).toHaveLength(1);
    expect(lines.some((l) => l.startsWith('approver,'))).toBe(true);
  });

  it('CSV columns: a request row, an approver row and a pair row carry their values in the documented columns', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/approvals/report?format=csv',
      headers: auditor.session.bearer,
    });
    const [header, ...rows] = parseCsv(res.body);
    expect(header).toEqual([
      'record',
      'id',
      'kind',
      'status',
      'summary',
      'digest',
      'requester',
      'created_at',
      'primary',
      'primary_reason',
      'primary_at',
      'secondary',
      'secondary_reason',
      'secondary_at',
      'rejected_by',
      'rejection_reason',
      'failure_reason',
      'decided_at',
      'operator',
      'step',
      'decisions',
      'median_seconds',
      'p90_seconds',
      'person_a',
      'person_b',
      'approved_together',
    ]);
    const records = rows.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ''])));
    expect(rows.every((r) => r.length === header?.length)).toBe(true);
    const json = await call<Report>(t, auditor, 'GET', '/api/approvals/report');
    const approved = json.body.requests.find((r) => r.status === 'approved');
    const request = records.find((r) => r.record === 'request' && r.id === approved?.id);
    expect(request).toMatchObject({
      kind: 'operator.role',
      status: 'approved',
      digest: approved?.digest,
      requester: admin.op.email,
      primary: admin2.op.email,
      primary_reason: REASON,
      secondary: risk.op.email,
      rejected_by: '',
      operator: '',
      person_a: '',
    });
    expect(request?.primary_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const rejected = records.find((r) => r.record === 'request' && r.status === 'rejected');
    expect(rejected).toMatchObject({
      rejected_by: risk2.op.email,
      rejection_reason: 'No business need documented',
      primary: '',
      secondary: '',
    });

    const approver = records.find((r) => r.record === 'approver' && r.operator === admin2.op.email);
    expect(approver).toMatchObject({
      id: admin2.id,
      step: 'primary',
      decisions: '2',
      kind: '',
      primary: '',
      person_a: '',
    });
    expect(Number(approver?.median_seconds)).toBeGreaterThanOrEqual(0);
    const pair = records.filter((r) => r.record === 'pair');
    expect(pair).toHaveLength(1);
    const [a, b] = [admin2, risk].sort((x, y) => (x.id < y.id ? -1 : 1));
    expect(pair[0]).toMatchObject({
      person_a: a?.op.email,
      person_b: b?.op.email,
      approved_together: '2',
      id: '',
      primary: '',
      secondary: '',
      operator: '',
    });
  });

  it('filters by period and refuses an empty one', async () => {
    const future = await call<Report>(
      t,
      auditor,
      'GET',
      '/api/approvals/report?from=2099-01-01&to=2099-02-01',
    );
    expect(future.body.totals.requests).toBe(0);
    const bad = await call(t, auditor, 'GET', '/api/approvals/report?from=2026-02-01&to=2026-01-01');
    expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('is for auditors, risk officers and admins only', async () => {
    // (ops was granted risk_officer above, which now shows: roles take effect on the next request)
    expect((await call(t, ops, 'GET', '/api/approvals/report')).status).toBe(200);
    const plainOps = await person(t, ['ops_approver']);
    const res = await call(t, plainOps, 'GET', '/api/approvals/report');
    expect([res.status, res.body.code]).toEqual([403, 'FORBIDDEN']);
  });
});
