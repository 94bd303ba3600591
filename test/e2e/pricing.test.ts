import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, person, REASON } from '../support/approvals.js';
import { storeReference } from '../support/pricing.js';
import { bookTrade } from '../support/settlement.js';
import { screenshot, screenshotBoth, signIn, startConsoleDesk, type ConsoleDesk } from './support/browser.js';

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

describe('console: pricing', () => {
  let desk: ConsoleDesk;
  beforeAll(async () => {
    // a fresh desk: no PRICING_REFERENCE_MID, so the house pricer cannot quote
    desk = await startConsoleDesk({ env: { LIMIT_MAX_PER_TRADE_USDT: '1000000' } });
  });
  afterAll(() => desk.close());

  it('a fresh desk says why the house cannot quote; once a reference is set it shows the mid, the tiers and each answer with its latency', async () => {
    const { page } = await signIn(desk, ['ops_approver'], { name: 'Olga Ops' });
    await page.goto('/pricing');
    const hint = page.getByTestId('pricing-first-run');
    await hint.waitFor();
    expect(await hint.textContent()).toContain('No reference price is set');
    expect(await hint.textContent()).toContain('PRICING_REFERENCE_MID');
    await both(page, 'pricing-first-run');

    // a fresh desk's first reference is co-signed (pricing.reference); the fixture writes it as one would
    await storeReference(desk.t, '1.0004');
    await bookTrade(desk.t, { usdt: 2500n });
    await page.reload();
    const reference = page.getByTestId('pricing-reference');
    await reference.filter({ hasText: '1.0004' }).waitFor();
    expect(await reference.textContent()).toContain('Fresh');
    expect(await page.getByTestId('pricing-first-run').count()).toBe(0);
    const house = page.locator('[data-testid="pricing-source"][data-source="house"]');
    expect(await house.textContent()).toMatch(/1 asked · 0 unanswered · latency p50 \d+ ms/);
    expect(await house.textContent()).toContain('Accepted');
    expect(await house.textContent()).toContain('2,500 USDT');
    await both(page, 'pricing');
    expect(desk.consoleErrors).toEqual([]);
  });

  it('a risk officer files pricing.reference and pricing.spreads from the page: plain-word checks first, then the request; the reference moves once co-signed', async () => {
    const { page } = await signIn(desk, ['risk_officer'], { name: 'Rita Risk' });
    await page.goto('/pricing');
    const form = page.getByTestId('reference-request');
    await form.waitFor();
    await form.getByLabel('New mid (USD per USDT)').fill('1,05');
    await form.getByRole('button', { name: 'Request this reference' }).click();
    expect(await form.locator('#ref-mid-error').textContent()).toContain('digits and at most one dot');
    expect(await form.locator('#ref-reason-error').textContent()).toContain('at least 10 characters');
    await form.getByLabel('New mid (USD per USDT)').fill('1.05');
    expect(await page.getByTestId('reference-move').textContent()).toMatch(
      /495\.8 bps from the current 1\.0004: more than one person may move it/,
    );
    await form.getByLabel('Why this reference?').fill('The market moved 5 % overnight on two venues');
    await form.getByRole('button', { name: 'Request this reference' }).click();
    const filed = form.getByTestId('filed-request');
    await filed.waitFor();
    expect(await filed.textContent()).toContain('Reference change requested.');
    await screenshotBoth(page, 'pricing-reference-request');

    const spreads = page.getByTestId('spreads-request');
    await spreads.locator('#tier-0-bps').fill('3');
    await spreads.getByLabel('Why these spreads?').fill('Tighter spreads for small tickets');
    await spreads.getByRole('button', { name: 'Request these tiers' }).click();
    expect(await spreads.locator('#tier-0-bps-error').textContent()).toContain(
      "The desk's minimum spread is 5 bps.",
    );
    await screenshotBoth(page, 'pricing-spreads-refused');

    // Two more people decide it: a risk officer approves naming an ops approver, who co-signs.
    const id = (await filed.getByRole('link').getAttribute('href'))?.split('/').pop() ?? '';
    const [primary, secondary] = [
      await person(desk.t, ['risk_officer']),
      await person(desk.t, ['ops_approver']),
    ];
    const approved = await call(desk.t, primary, 'POST', `/api/approvals/${id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const done = await call(desk.t, secondary, 'POST', `/api/approvals/${id}/cosign`, {
      reason: 'Checked against two venues',
    });
    expect([done.status, done.body.status]).toEqual([200, 'approved']);
    await page.reload();
    await page.getByTestId('pricing-reference').filter({ hasText: '1.05' }).waitFor();
    expect(await page.getByTestId('pricing-reference').textContent()).toContain(
      'from the last co-signed 1.05',
    );
    expect(await page.getByTestId('pricing-reference').textContent()).toContain('by a co-signed request');
    expect(desk.consoleErrors).toEqual([]);
  });
});
