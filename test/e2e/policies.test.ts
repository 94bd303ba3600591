import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, person, REASON } from '../support/approvals.js';
import { screenshot, signIn, startConsoleDesk, type ConsoleDesk } from './support/browser.js';

async function both(page: Page, name: string) {
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, `${name}-390`);
  expect(
    await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    ),
  ).toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1440, height: 900 });
  await screenshot(page, `${name}-1440`);
}

describe('console: approval policies', () => {
  let desk: ConsoleDesk;
  beforeAll(async () => {
    desk = await startConsoleDesk();
  });
  afterAll(() => desk.close());

  it('lists every kind’s policy; the policy.set form shows the before/after diff, files the request, and the history shows it decided', async () => {
    const { page } = await signIn(desk, ['risk_officer'], { name: 'Rita Risk' });
    await page.goto('/policies');
    const row = page.locator('[data-testid="policy-row"][data-kind="client.limits"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('Risk officer');
    expect(await row.textContent()).toContain('24 h');
    await both(page, 'policies');

    await row.getByRole('link', { name: 'client.limits' }).click();
    await page.getByTestId('policy-current').waitFor();
    await page.getByTestId('policy-diff-empty').waitFor();
    await page.getByLabel('Expires after (hours)').fill('48');
    const diff = page.getByTestId('policy-diff');
    await diff.waitFor();
    expect(await diff.textContent()).toContain('Expires after24 h2 d');
    // no co-signer at all: said next to the roles, nothing filed
    const cosigners = page.getByRole('group', { name: 'Co-signers' });
    for (const label of ['Ops approver', 'Risk officer']) await cosigners.getByLabel(label).uncheck();
    await page.getByRole('button', { name: 'Request this policy' }).click();
    expect(await page.locator('#policy-secondary-error').textContent()).toBe('Choose at least one role.');
    await cosigners.getByLabel('Risk officer').check();
    await page.getByLabel('Note for the approvers (optional)').fill('Weekend limit changes need two days');
    await page.getByRole('button', { name: 'Request this policy' }).click();
    const filed = page.getByTestId('filed-request');
    await filed.waitFor();
    const id = ((await filed.getByRole('link').getAttribute('href')) ?? '').split('/').pop() ?? '';
    await both(page, 'policy-change-filed');

    const [risk2, admin] = [await person(desk.t, ['risk_officer']), await person(desk.t, ['platform_admin'])];
    const approved = await call(desk.t, risk2, 'POST', `/api/approvals/${id}/approve`, {
      reason: REASON,
      secondaryApproverId: admin.id,
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const cosigned = await call<{ status: string }>(desk.t, admin, 'POST', `/api/approvals/${id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    expect(cosigned.body.status, JSON.stringify(cosigned.body)).toBe('approved');
    await page.reload();
    await page.locator('[data-testid="policy-change"][data-status="approved"]').waitFor();
    expect(await page.getByTestId('policy-current').textContent()).toContain('2 d');
    await both(page, 'policy-changed');
    expect(desk.consoleErrors).toEqual([]);
  });
});
