import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, REASON, type Person } from '../support/approvals.js';
import {
  autoSettlementOn,
  deskPeople,
  drainSettlements,
  SETTLEMENT_ENV,
  type Desk,
} from '../support/settlement.js';
import { screenshot, signIn, startConsoleDesk, type ConsoleDesk } from './support/browser.js';

const WIDE = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

/** Screenshots at both sizes the console is checked at (full page). */
async function both(page: Page, name: string) {
  await page.setViewportSize(PHONE);
  await screenshot(page, `${name}-390`);
  await page.setViewportSize(WIDE);
  await screenshot(page, `${name}-1440`);
}

/** No element wider than the phone screen makes the page scroll sideways (tables scroll in their own box). */
const pageOverflow = (page: Page) =>
  page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');

describe('console: clients and trades', () => {
  let desk: ConsoleDesk;
  let people: Desk;
  beforeAll(async () => {
    desk = await startConsoleDesk({ env: SETTLEMENT_ENV, prepare: true });
    people = await deskPeople(desk.t);
  });
  afterAll(() => desk.close());

  /** Approves as `primary` naming `secondary`, then co-signs: the two other people at the desk. */
  async function coSign(id: string, primary: Person, secondary: Person) {
    const approved = await call(desk.t, primary, 'POST', `/api/approvals/${id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const done = await call<{ status: string }>(desk.t, secondary, 'POST', `/api/approvals/${id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    expect(done.body.status, JSON.stringify(done.body)).toBe('approved');
  }
  const filedId = async (page: Page) => {
    const filed = page.getByTestId('filed-request');
    await filed.waitFor().catch(async (err: unknown) => {
      await screenshot(page, 'clients-failure');
      throw err;
    });
    const href = (await filed.getByRole('link').getAttribute('href')) ?? '';
    expect(href).toMatch(/^\/approvals\/[0-9a-f-]{36}$/);
    return href.split('/').pop() ?? '';
  };

  it('an API-only client registered in the console is granted, whitelisted and given a key, trades on the paper chain through the client API, and shows on the trades and client pages', async () => {
    const { page } = await signIn(desk, ['ops_approver'], { name: 'Olga Ops' });
    await page.setViewportSize(WIDE);
    await page.goto('/clients');
    await page.getByTestId('clients-empty').waitFor();
    await both(page, 'clients-empty');

    // register: every field's problem at once, in words, before anything is sent
    await page.getByTestId('register-client').click();
    await page.getByRole('heading', { name: 'Register an API client' }).waitFor();
    await page.getByLabel('Contact name').fill('N');
    await page.getByRole('button', { name: 'Register and request access' }).click();
    expect(await page.locator('#register-name-error').textContent()).toContain('at least 2 characters');
    expect(await page.locator('#register-company-error').textContent()).toContain('Enter the company');
    expect(await page.locator('#register-country-error').textContent()).toContain('Enter the country');
    await both(page, 'client-register-refused');
    expect(await desk.t.database.db.selectFrom('clients').select('id').execute()).toEqual([]);
    await page.getByLabel('Contact name').fill('Nora Northwind');
    await page.getByLabel('Company').fill('Northwind Treasury AG');
    await page.getByLabel('Country').fill('DE');
    await page.getByLabel('Expected monthly volume').selectOption('1M–10M USDT');
    await page.getByRole('button', { name: 'Register and request access' }).click();
    const grantId = await filedId(page);
    const grant = await desk.t.database.db
      .selectFrom('change_requests')
      .select(['kind', 'payload', 'requested_by_id'])
      .where('id', '=', grantId)
      .executeTakeFirstOrThrow();
    expect(grant.kind).toBe('client.access');
    await both(page, 'client-registered');

    await page.getByTestId('registered-client').click();
    const access = page.getByTestId('client-access');
    await access.getByTestId('open-access-request').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Waiting for access');
    expect(await page.getByTestId('client-keys').textContent()).toContain('once the client is active');

    // two other people decide it; the page follows live
    await coSign(grantId, people.risk, people.ops);
    await page.getByRole('heading', { level: 1 }).filter({ hasText: 'Active' }).waitFor();
    await access.locator('[data-testid="client-request"][data-status="approved"]').waitFor();

    // a payout address from the page, co-signed by ops and risk
    const address = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t'; // a well-formed TRON address; the paper chain pays any
    await page.getByLabel('Address', { exact: true }).fill(address);
    await page.getByRole('button', { name: 'Request whitelisting' }).click();
    const addressRequest = await filedId(page);
    await page.locator('[data-testid="address-row"][data-status="pending"]').waitFor();
    await coSign(addressRequest, people.ops, people.risk);
    await page.locator('[data-testid="address-row"][data-status="whitelisted"]').waitFor();

    // an API key, shown once
    await page.getByLabel('Label (optional)').fill('treasury production');
    await page.getByRole('button', { name: 'Issue an API key' }).click();
    const key = (await page.getByTestId('api-key-value').textContent()) ?? '';
    expect(key).toMatch(/^usdk_[0-9a-f]{8}_/);
    await page.getByTestId('api-key-row').filter({ hasText: 'treasury production' }).waitFor();
    await both(page, 'client-page-key-issued');
    await page.getByRole('button', { name: 'I have stored it' }).click();

    // the client trades through the client API on the paper chain
    await autoSettlementOn(desk.t, people);
    const client = (path: string, payload: object, headers: Record<string, string> = {}) =>
      desk.t.app.inject({
        method: 'POST',
        url: path,
        headers: { authorization: `Bearer ${key}`, ...headers },
        payload,
      });
    const rfq = await client('/api/client/v1/rfqs', { side: 'buy', amount: '1500', network: 'tron' });
    expect(rfq.statusCode, rfq.body).toBe(201);
    const quoteId = rfq.json<{ quote: { id: string } }>().quote.id;
    const accepted = await client(
      `/api/client/v1/quotes/${quoteId}/accept`,
      {},
      { 'idempotency-key': 'nw-1' },
    );
    expect(accepted.statusCode, accepted.body).toBe(201);
    const tradeId = accepted.json<{ id: string }>().id;
    await drainSettlements(desk.t, { advance: (ms) => desk.clock.advance(ms) });
    expect(
      (
        await desk.t.database.db
          .selectFrom('trades')
          .select('status')
          .where('id', '=', tradeId)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe('settled');

    // the client page: the trade, settled, and what it used of the 24-hour limit
    const row = page.locator(`[data-testid="trade-row"][data-trade-id="${tradeId}"]`);
    await row.filter({ hasText: 'Settled' }).waitFor();
    expect(await row.textContent()).toContain('Client buys 1,500 USDT');
    expect(await page.getByTestId('limits-used').textContent()).toContain('1,500 USDT');
    await page.getByRole('button', { name: 'Request suspension' }).waitFor();
    await both(page, 'client-page-traded');
    await page.setViewportSize(PHONE);
    expect(await pageOverflow(page)).toBeLessThanOrEqual(0);
    await page.setViewportSize(WIDE);

    // the trades list: filtered by side, named by client, into the trade page
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Trades' }).click();
    await page.getByLabel('Side').selectOption('buy');
    const listed = page.locator(`[data-testid="trade-row"][data-trade-id="${tradeId}"]`);
    await listed.filter({ hasText: 'Nora Northwind' }).waitFor();
    await both(page, 'trades-list');
    await page.getByLabel('Side').selectOption('sell');
    await page.getByTestId('trades-empty').waitFor();
    await page.getByLabel('Side').selectOption('buy');
    await listed.getByRole('link', { name: /Client buys/ }).click();

    // the trade page: the RFQ, every quote with its latency, the accepted one, the settlement timeline
    await page.getByTestId('trade-page').waitFor();
    expect(await page.getByTestId('trade-rfq').textContent()).toContain('1,500 USDT');
    const accept = page.locator('[data-testid="quote-row"][data-status="accepted"]');
    expect(await accept.textContent()).toMatch(/House pricer.*Accepted.* ms/);
    await page.getByTestId('timeline').locator('[data-step="confirmed"]').waitFor();
    expect(await page.getByTestId('trade-client').textContent()).toContain('Nora Northwind');
    await both(page, 'trade-page');
    await page.setViewportSize(PHONE);
    expect(await pageOverflow(page)).toBeLessThanOrEqual(0);
    await page.setViewportSize(WIDE);

    // the clients list: search and the activity filter find her
    await page.goto('/clients?q=northw&activity=traded_30d');
    await page.getByTestId('client-row').filter({ hasText: 'Nora Northwind' }).waitFor();
    await both(page, 'clients-list');
    await page.getByLabel('Activity').selectOption('idle_30d');
    await page.getByTestId('clients-empty').waitFor();

    // the overview, the landing screen: the numbers, and charts drawn from the real settlement and trade
    await page.goto('/');
    await page.waitForURL(/\/overview$/);
    const settlements = page.getByTestId('chart-settlements');
    await settlements.locator('canvas').waitFor();
    expect(await settlements.getByRole('img').getAttribute('aria-label')).toContain('Confirmed: 1 in all');
    expect(await page.getByTestId('chart-volume').getByRole('img').getAttribute('aria-label')).toContain(
      'Tron (TRC-20): 1.5k in all',
    );
    expect(await page.getByTestId('o-auto').textContent()).toContain('ON');
    expect(await page.getByTestId('o-queue-confirmed').textContent()).toContain('1');
    await page.getByTestId('o-hot-tron').waitFor();
    await page.getByRole('button', { name: 'Last hour' }).click();
    await page.waitForURL(/window=1h/);
    await settlements.getByRole('img', { name: /Confirmed: 1 in all/ }).waitFor();
    await both(page, 'overview');
    await page.setViewportSize(PHONE);
    expect(await pageOverflow(page)).toBeLessThanOrEqual(0);
    expect(desk.consoleErrors).toEqual([]);
  });
});
