import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOperator } from '../support/factories.js';
import { fileFlagSet } from './support/approvals.js';
import {
  LAPTOP,
  PHONE,
  screenshotBoth,
  signIn,
  startConsoleDesk,
  watchConsole,
  type ConsoleDesk,
  type ConsoleUser,
} from './support/browser.js';

describe('console: sessions that last, deep links, and every screen at 390 and 1440 px', () => {
  let desk: ConsoleDesk;
  let admin: ConsoleUser;
  let requestId: string;
  beforeAll(async () => {
    desk = await startConsoleDesk();
    admin = await signIn(desk, ['platform_admin', 'risk_officer'], { name: 'Pat Admin' });
    requestId = (await fileFlagSet(admin, true)).id;
  });
  afterAll(() => desk.close());

  it('the access token expires after 15 minutes; the console refreshes silently and stays signed in', async () => {
    const { page } = admin;
    await page.goto('/approvals');
    await page.getByTestId('signed-in-as').filter({ hasText: 'Pat Admin' }).waitFor();
    desk.clock.advance(16 * 60_000); // the desk's clock: the access token is now expired
    const refreshed = page.waitForResponse(
      (r) => r.url().endsWith('/api/auth/refresh') && r.status() === 200,
    );
    await page.goto(`/approvals/${requestId}`);
    await refreshed;
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.getByTestId('signed-in-as').filter({ hasText: 'Pat Admin' }).waitFor();
    expect(page.url()).toContain(`/approvals/${requestId}`);
    expect(await page.getByRole('heading', { name: 'Sign in to the ops console' }).count()).toBe(0);
  });

  it('a deep link opened signed out asks for sign-in, then returns to the page asked for', async () => {
    const op = await newOperator({ desk: desk.t.desk, clock: desk.clock }, { roles: ['ops_approver'] });
    const context = await desk.browser.newContext({ baseURL: desk.base, viewport: PHONE });
    const page = await context.newPage();
    watchConsole(desk, page);
    await page.goto(`/approvals/${requestId}?from=telegram`); // as from a Telegram alert
    await page.getByRole('heading', { name: 'Sign in to the ops console' }).waitFor();
    expect(new URL(page.url()).searchParams.get('next')).toBe(`/approvals/${requestId}?from=telegram`);
    await page.getByLabel('Email').fill(op.email);
    await page.getByLabel('Password').fill(op.password);
    await page.locator('#totp').fill(op.totp());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`**/approvals/${requestId}?from=telegram`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await screenshotBoth(page, 'deep-link-after-sign-in');
    await context.close();
  });

  it('every screen fits a 390 px phone and a 1440 px screen (screenshots of both)', async () => {
    const { page } = admin;
    const screens: [string, string][] = [
      ['/approvals', 'layout-approvals'],
      [`/approvals/${requestId}`, 'layout-approval-detail'],
      ['/settlements', 'layout-settlements'],
      ['/wallets', 'layout-wallets'],
      ['/flags', 'layout-flags'],
      ['/flags/AUTO_SETTLEMENT', 'layout-flag-detail'],
      ['/alerts', 'layout-alerts'],
      ['/audit', 'layout-audit'],
      ['/operators', 'layout-operators'],
      ['/account', 'layout-account'],
    ];
    for (const [url, name] of screens) {
      await page.setViewportSize(LAPTOP);
      await page.goto(url);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await page.waitForLoadState('networkidle');
      await screenshotBoth(page, name);
    }
    // On the phone, every section and Sign out are reachable through the menu.
    await page.setViewportSize(PHONE);
    await page.goto('/approvals');
    await page.getByRole('button', { name: 'Menu' }).click();
    for (const name of ['Settlements', 'Wallets', 'Flags', 'Alerts', 'Audit', 'Operators'])
      expect(
        await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name }).isVisible(),
      ).toBe(true);
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
    expect(await page.getByTestId('auto-settlement').isVisible()).toBe(true);
    await screenshotBoth(page, 'layout-menu-open');
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Audit' }).click();
    await page.waitForURL('**/audit');
    // The menu closes on the way (after the page renders: poll rather than race it).
    await expect.poll(() => page.getByRole('navigation', { name: 'Sections' }).isVisible()).toBe(false);
    expect(desk.consoleErrors).toEqual([]);
  });
});
