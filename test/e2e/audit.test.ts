import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../../src/shared/db.js';
import { sql } from 'kysely';
import { sealAll } from '../support/audit.js';
import { newOperator } from '../support/factories.js';
import { screenshot, signIn, startConsoleDesk, type ConsoleDesk } from './support/browser.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

/** `desk audit verify FILE`: checks a file on its own, no database; resolves with the exit code and output. */
async function deskVerify(file: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(
      path.join(ROOT, 'node_modules/.bin/tsx'),
      ['src/cli/desk.ts', 'audit', 'verify', file],
      { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent' } },
    );
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

async function download(page: Page, testId: string, dir: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const target = path.join(dir, file.suggestedFilename());
  await file.saveAs(target);
  return target;
}

describe('console: audit trail and approvals report', () => {
  let desk: ConsoleDesk;
  let tmp: string;
  beforeAll(async () => {
    desk = await startConsoleDesk();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-e2e-audit-'));
    // 60 events of one action, to page through
    const { audit } = desk.t.desk.services;
    await withTransaction(desk.t.database.db, async (tx) => {
      for (let i = 0; i < 60; i++)
        await audit.record(tx, {
          actorType: 'system',
          actorId: 'e2e',
          action: 'test.bulk',
          entityType: 'bulk',
          entityId: String(i),
          data: { n: i },
        });
    });
  });
  afterAll(async () => {
    await desk.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('searches by action, pages by cursor, and exports CSV and JSONL that `desk audit verify` accepts', async () => {
    const { page, context } = await signIn(desk, ['auditor'], { name: 'Ada Auditor' });
    await desk.t.desk.services.audit.seal();
    await page.goto('/audit');
    const table = page.getByTestId('audit-events');
    await table.waitFor();
    await screenshot(page, 'audit-events');

    await page.getByLabel('Action').fill('test.bulk');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/action=test.bulk/);
    await page.getByText('50 events shown, newest first').waitFor();
    expect(await table.locator('tbody tr').count()).toBe(50);
    expect(await table.locator('tbody tr').first().textContent()).toContain('n: 59');
    await page.getByRole('button', { name: 'Load 50 older events' }).click();
    await page.getByText('60 events shown, newest first — that is all').waitFor();
    expect(await table.locator('tbody tr').last().textContent()).toContain('n: 0');
    expect(await page.getByRole('button', { name: /older events/ }).count()).toBe(0);
    await screenshot(page, 'audit-filtered');

    // the export links carry the applied filter
    expect(await page.getByTestId('export-csv').getAttribute('href')).toBe(
      '/api/audit/export?format=csv&action=test.bulk',
    );
    const csv = await download(page, 'export-csv', tmp);
    expect(csv).toMatch(/\.csv$/);
    const csvCheck = await deskVerify(csv);
    expect(csvCheck, csvCheck.out).toMatchObject({ code: 0 });
    expect(csvCheck.out).toMatch(/^OK .*csv, chain seq/m);
    expect(csvCheck.out).toMatch(/60 events/);

    const jsonl = await download(page, 'export-jsonl', tmp);
    const jsonlCheck = await deskVerify(jsonl);
    expect(jsonlCheck, jsonlCheck.out).toMatchObject({ code: 0 });
    expect(jsonlCheck.out).toMatch(/filter: action=test.bulk/);

    // and a tampered copy is refused, so the check above means something
    const tampered = path.join(tmp, 'tampered.jsonl');
    fs.writeFileSync(tampered, fs.readFileSync(jsonl, 'utf8').replace('"n":7', '"n":8'));
    expect((await deskVerify(tampered)).code).toBe(1);

    // the export itself is in the trail
    await page.getByLabel('Action').fill('audit.exported');
    await page.getByRole('button', { name: 'Search' }).click();
    await table.locator('tbody tr').filter({ hasText: 'Ada Auditor (you)' }).first().waitFor();

    // an impossible range is refused before asking the desk
    await page.getByLabel('From').fill('2026-03-02T10:00');
    await page.getByLabel('To (before)').fill('2026-03-01T10:00');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#audit-to-error').waitFor();
    // a range with nothing in it says so
    await page.getByLabel('From').fill('2001-01-01T10:00');
    await page.getByLabel('To (before)').fill('2001-01-02T10:00');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No event matches this filter').waitFor();
    await screenshot(page, 'audit-empty');
    expect(desk.consoleErrors).toEqual([]);
    await context.close();
  });

  it('searches by actor (from the list of operators) and by entity, by a time range that holds events, and exports that filter verifiably', async () => {
    const olga = await newOperator(
      { desk: desk.t.desk, clock: desk.clock },
      { roles: ['risk_officer'], name: 'Olga Window' },
    );
    // Olga's four events: three inside 10:00–11:00 UTC on a June day (on W-1, W-1, W-2), one at noon;
    // and one by the desk itself on W-1.
    const at = (hhmm: string) => new Date(`2025-06-10T${hhmm}:00Z`);
    const events: [Date, string, string, string, string][] = [
      [at('10:15'), 'operator', olga.id, 'W-1', 'first look'],
      [at('10:20'), 'operator', olga.id, 'W-1', 'second look'],
      [at('10:25'), 'operator', olga.id, 'W-2', 'other thing'],
      [at('12:00'), 'operator', olga.id, 'W-3', 'after lunch'],
      [at('10:30'), 'system', 'e2e', 'W-1', 'the desk on W-1'],
    ];
    for (const [occurred, actorType, actorId, entityId, note] of events) {
      await sql`insert into audit_events (occurred_at, actor_type, actor_id, action, entity_type, entity_id, data) values (${occurred}, ${actorType}, ${actorId}, 'test.window', 'thing', ${entityId}, ${JSON.stringify({ note })}::jsonb)`.execute(
        desk.t.database.db,
      );
    }
    await sealAll(desk.t.database.db, desk.t.desk.services.audit);

    const { page, context } = await signIn(desk, ['platform_admin'], { name: 'Paula Admin' }); // may list operators: the actor list is filled
    await page.goto('/audit');
    const table = page.getByTestId('audit-events');
    await table.waitFor();
    const rows = table.locator('tbody tr');
    // Each row as its note (the seeded events) or "sign-in" (newOperator signs Olga in once, now).
    const notes = async () =>
      (await rows.allTextContents()).map(
        (t) => /note: ([a-zA-Z0-9 -]+)/.exec(t)?.[1] ?? (t.includes('auth.login') ? 'sign-in' : t),
      );

    // By actor: the list offers Olga by name; choosing her puts operator:<id> in the field.
    const olgaOption = page.locator('#audit-actors option', { hasText: 'Olga Window' });
    await olgaOption.waitFor({ state: 'attached' });
    const actor = (await olgaOption.getAttribute('value')) ?? '';
    expect(actor).toBe(`operator:${olga.id}`);
    await page.getByLabel('Actor').fill(actor);
    await page.locator('#audit-actor-hint').filter({ hasText: 'Operator: Olga Window' }).waitFor();
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/actor=operator/);
    await expect.poll(notes).toEqual(['after lunch', 'other thing', 'second look', 'first look', 'sign-in']); // newest recorded first
    expect(await rows.filter({ hasText: 'Olga Window' }).count()).toBe(5);
    await screenshot(page, 'audit-by-actor');

    // By entity: everything done to W-1, by anyone.
    await page.getByLabel('Actor').fill('');
    await page.getByLabel('Entity').fill('thing:W-1');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/entity=thing%3AW-1|entity=thing:W-1/);
    await expect.poll(notes).toEqual(['the desk on W-1', 'second look', 'first look']);
    await screenshot(page, 'audit-by-entity');

    // A time range that holds events, with the actor: 10:00 to 11:00 UTC, typed in the browser's local time.
    const local = (d: Date) =>
      `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}T${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
    await page.getByLabel('Entity').fill('');
    await page.getByLabel('Actor').fill(actor);
    await page.getByLabel('From').fill(local(at('10:00')));
    await page.getByLabel('To (before)').fill(local(at('11:00')));
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/from=/);
    await expect.poll(notes).toEqual(['other thing', 'second look', 'first look']);
    await page.getByText('3 events shown, newest first — that is all').waitFor();
    await screenshot(page, 'audit-time-range');

    // Export exactly that filter; `desk audit verify` accepts both files and counts the three events.
    const href = new URL((await page.getByTestId('export-jsonl').getAttribute('href')) ?? '', desk.base);
    expect(Object.fromEntries(href.searchParams)).toEqual({
      format: 'jsonl',
      from: at('10:00').toISOString(),
      to: at('11:00').toISOString(),
      actor,
    });
    for (const testId of ['export-csv', 'export-jsonl']) {
      const file = await download(page, testId, tmp);
      const check = await deskVerify(file);
      expect(check, check.out).toMatchObject({ code: 0 });
      expect(check.out).toMatch(/3 events/);
    }
    expect(desk.consoleErrors).toEqual([]);
    await context.close();
  });

  it('shows the approvals report with time to decision and pairs, and downloads it as CSV', async () => {
    const t = { desk: desk.t.desk, clock: desk.clock };
    const { approvals } = desk.t.desk.services;
    const requester = await newOperator(t, {
      roles: ['risk_officer'],
      name: 'Rhea Requester',
      email: 'rhea@desk.test',
    });
    const primary = await newOperator(t, {
      roles: ['risk_officer'],
      name: 'Paul Primary',
      email: 'paul@desk.test',
    });
    const secondary = await newOperator(t, {
      roles: ['platform_admin'],
      name: 'Cleo Cosigner',
      email: 'cleo@desk.test',
    });
    const decider = (id: string) => ({
      operatorId: id,
      stepUpUntil: new Date(desk.clock.now().getTime() + 600_000),
      audit: { actorType: 'operator' as const, actorId: id },
    });
    for (const enabled of [true, false]) {
      const { request } = await approvals.file(
        { kind: 'flag.set', payload: { key: 'AUTO_SETTLEMENT', enabled }, note: 'report fixture' },
        { type: 'operator', id: requester.id },
        { actorType: 'operator', actorId: requester.id },
      );
      desk.clock.advance(90_000);
      await approvals.approve(
        request.id,
        { reason: 'Checked against the runbook', secondaryApproverId: secondary.id },
        decider(primary.id),
      );
      desk.clock.advance(30_000);
      await approvals.cosign(request.id, { reason: 'Checked and co-signed.' }, decider(secondary.id));
    }
    const { request: rejected } = await approvals.file(
      { kind: 'flag.set', payload: { key: 'AUTO_SETTLEMENT', enabled: true }, note: 'again' },
      { type: 'operator', id: requester.id },
      { actorType: 'operator', actorId: requester.id },
    );
    await approvals.reject(rejected.id, { reason: 'Not during the audit week' }, decider(primary.id));

    const { page, context } = await signIn(desk, ['risk_officer'], { name: 'Rory Reporter' });
    await page.goto('/audit');
    // While the report is computed, that is announced (the answer is held until it has been seen).
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/approvals/report?*', async (route) => {
      await held;
      await route.continue();
    });
    await page.getByRole('link', { name: 'Approvals report' }).click();
    await page.getByRole('status').filter({ hasText: 'Building the report…' }).waitFor();
    release(); // the route stays: later calls go straight through
    const totals = page.getByTestId('report-totals');
    await totals.waitFor();
    expect(await totals.textContent()).toMatch(/3\s*requests filed/);
    expect(await totals.textContent()).toMatch(/2\s*approved/);
    const ttd = page.getByTestId('time-to-decision');
    expect(
      await ttd
        .locator('tbody tr')
        .filter({ hasText: 'paul@desk.test' })
        .filter({ hasText: 'Approve (primary)' })
        .textContent(),
    ).toContain('1 min 30 s');
    expect(await ttd.locator('tbody tr').filter({ hasText: 'cleo@desk.test' }).textContent()).toMatch(
      /Co-sign\s*2\s*30 s\s*30 s/,
    );
    expect(await page.getByTestId('pairs').locator('tbody tr').textContent()).toMatch(
      /(paul|cleo)@desk\.test.*(paul|cleo)@desk\.test\s*2/,
    );
    expect(await page.getByTestId('report-requests').locator('tbody tr').count()).toBe(3);
    await screenshot(page, 'audit-report');

    const csv = await download(page, 'report-csv', tmp);
    const text = fs.readFileSync(csv, 'utf8');
    expect(text.split('\n')[0]).toMatch(/^record,id,kind,status,/);
    expect(text).toContain('pair,');
    expect(text.match(/^request,/gm)).toHaveLength(3);
    expect(desk.consoleErrors).toEqual([]);
    await context.close();
  });
});
