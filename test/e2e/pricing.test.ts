import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeReference } from '../support/pricing.js';
import { bookTrade } from '../support/settlement.js';
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
});
