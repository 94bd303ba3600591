import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../src/operators/operators.totp.js';
import { auditTrail } from '../support/audit.js';
import { fillApprove, statusOf } from './support/approvals.js';
import {
  LAPTOP,
  screenshotBoth,
  startConsoleDesk,
  watchConsole,
  type ConsoleDesk,
} from './support/browser.js';

/**
 * Issue 16 item 1, from nothing to a founding team and a first co-signed change, in the console only:
 * no CLI, no test factory. Each person uses their own browser and their own authenticator (the TOTP
 * codes are computed here from the secret the page shows, as an app would).
 */
describe('console: first run without a dead end', () => {
  let desk: ConsoleDesk;
  beforeAll(async () => {
    desk = await startConsoleDesk({ configuredPort: true }); // the setup link it prints is where it serves
  });
  afterAll(() => desk.close());

  /** The MFA page: the secret it shows, a code from it, on to wherever the page goes next. */
  async function enrolMfa(page: Page) {
    const secret = (await page.getByTestId('mfa-secret').textContent()) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]+=*$/);
    await page.getByLabel('Code from the app').fill(totpCodeAt(secret, desk.clock.now()));
    await page.getByRole('button', { name: 'Confirm' }).click();
  }

  /** A fresh browser (the person's own) opens their invitation, sets a password and enrols MFA. */
  async function acceptInvitation(url: string, name: string, password: string, shot?: string) {
    const context = await desk.browser.newContext({ baseURL: desk.base, viewport: LAPTOP });
    const page = await context.newPage();
    watchConsole(desk, page);
    await page.goto(url);
    await page.getByRole('heading', { name: `Welcome, ${name}` }).waitFor();
    if (shot) await screenshotBoth(page, shot);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('Password again').fill(password);
    await page.getByRole('button', { name: 'Set my password' }).click();
    await page.waitForURL(/\/mfa$/);
    await enrolMfa(page);
    await page.getByTestId('signed-in-as').filter({ hasText: name }).waitFor();
    return { context, page };
  }

  it('setup admin → founding team invited from the console → each enrols → a first co-signed flag change', async () => {
    // 1. The setup link the desk prints at start: the first admin's own password, then their own MFA.
    const setupUrl = await desk.t.desk.services.operators.ensureSetupToken();
    if (!setupUrl) throw new Error('the desk printed no setup link');
    const adminContext = await desk.browser.newContext({ baseURL: desk.base, viewport: LAPTOP });
    const admin = await adminContext.newPage();
    watchConsole(desk, admin);
    await admin.goto(setupUrl);
    await admin.getByLabel('Name').fill('Ada Founder');
    await admin.getByLabel('Email').fill('ada@desk.test');
    await admin.getByLabel(/^Password/).fill('adas own long passphrase');
    await screenshotBoth(admin, 'first-run-setup');
    await admin.getByRole('button', { name: 'Create account' }).click();
    await admin.waitForURL(/\/mfa\?next=%2Ffounding-team$/);
    await enrolMfa(admin);

    // 2. The Founding team page: alone, nothing can be decided, and it says what is missing.
    await admin.waitForURL(/\/founding-team$/);
    await admin.getByRole('heading', { name: 'Founding team', level: 1 }).waitFor();
    const decidable = admin.getByTestId('decidable');
    await decidable.getByText('Operator role').waitFor();
    await decidable
      .locator('li', { hasText: 'Feature flag' })
      .filter({ hasText: 'no risk officer other than you has enrolled' })
      .waitFor();
    await admin
      .getByTestId('end-bootstrap-warning')
      .filter({ hasText: 'no platform admin other than you has enrolled' })
      .waitFor();
    await screenshotBoth(admin, 'first-run-founding-team');

    // 3. A filing form warns before anything is filed, naming the missing role.
    await admin.goto('/flags/AUTO_SETTLEMENT');
    const warning = admin.getByTestId('filing-warning');
    await warning.waitFor();
    expect(await warning.textContent()).toContain(
      'Nobody can approve this yet: no risk officer other than you has enrolled.',
    );
    await screenshotBoth(admin, 'first-run-form-warning');

    // 4. Two founders invited with their roles; each link shown once, to hand over.
    await admin
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Founding team' })
      .click();
    const invite = admin.getByRole('form', { name: 'Invite a person' });
    const founders = [
      { name: 'Rita Risk', email: 'rita@desk.test', roles: ['Risk officer'] },
      { name: 'Pia Admin', email: 'pia@desk.test', roles: ['Platform admin', 'Risk officer'] },
    ];
    const links: string[] = [];
    for (const f of founders) {
      await invite.getByLabel('Name').fill(f.name);
      await invite.getByLabel('Email').fill(f.email);
      for (const r of f.roles) await invite.getByRole('checkbox', { name: new RegExp(`^${r}`) }).check();
      await invite.getByRole('button', { name: 'Invite' }).click();
      await admin
        .getByTestId('invited')
        .filter({ hasText: `${f.name} is invited as` })
        .waitFor();
      const row = admin.getByTestId(`founder-${f.email}`);
      await row.getByTestId('founder-state').filter({ hasText: 'Invited' }).waitFor();
      links.push(await row.getByTestId('invitation-url').inputValue());
      expect(await row.textContent()).toContain(f.roles.join(''));
    }
    expect(links.every((l) => /\/invite\/[\w-]{20,}$/.test(l))).toBe(true);
    await screenshotBoth(admin, 'first-run-founding-invited');
    const grants = await auditTrail(desk.t, { action: 'operator.bootstrap_grant' });
    expect(grants.map((g) => g.data)).toEqual([
      { email: 'rita@desk.test', roles: ['risk_officer'] },
      { email: 'pia@desk.test', roles: ['platform_admin', 'risk_officer'] },
    ]);

    // 5. Each accepts their own invitation in their own browser: own password, own authenticator.
    const rita = await acceptInvitation(
      links[0] ?? '',
      'Rita Risk',
      'ritas own passphrase',
      'first-run-invite',
    );
    const pia = await acceptInvitation(links[1] ?? '', 'Pia Admin', 'pias own passphrase');
    await admin.reload();
    for (const f of founders) await admin.getByTestId(`founder-${f.email}`).getByText('✓ Enrolled').waitFor();
    await decidable.locator('li', { hasText: 'Operator role' }).getByText('✓ can be decided').waitFor();
    expect(await admin.getByTestId('end-bootstrap-warning').count()).toBe(0);

    // 6. The first co-signed request: Ada files, Rita approves naming Pia, Pia co-signs. No CLI.
    await admin.goto('/flags/AUTO_SETTLEMENT');
    await admin.getByLabel('Why turn AUTO_SETTLEMENT on?').fill('Founding team is ready for the pilot');
    await admin.getByRole('button', { name: 'Propose turning it on' }).click();
    const filedLink = admin.getByTestId('filed-request').getByRole('link');
    await filedLink.waitFor();
    expect(await admin.getByTestId('filing-warning').count()).toBe(0);
    const href = (await filedLink.getAttribute('href')) ?? '';

    await rita.page.goto(href);
    await fillApprove(rita.page, 'Checked with the team: pilot desks only', 'Pia Admin');
    await rita.page.getByRole('button', { name: 'Approve and request co-sign' }).click();
    await statusOf(rita.page).filter({ hasText: 'Awaiting co-sign' }).waitFor();

    await pia.page.goto(href);
    await pia.page.getByRole('heading', { name: 'Co-sign' }).waitFor();
    await pia.page.getByLabel('Your reason for co-signing').fill('Agreed, the pilot plan is signed off');
    await pia.page.getByRole('button', { name: 'Co-sign and apply' }).click();
    await pia.page.getByTestId('decision-notice').filter({ hasText: 'the change is applied' }).waitFor();
    await statusOf(pia.page).filter({ hasText: 'Approved' }).waitFor();
    await screenshotBoth(pia.page, 'first-run-request');

    // 7. The first decision ended the bootstrap: roles now need two people, and the page says where.
    await admin.goto('/founding-team');
    const over = admin.getByTestId('bootstrap-over');
    await over.filter({ hasText: 'the first change request was decided' }).waitFor();
    expect(await over.textContent()).toContain('Roles now need two people');
    expect(await over.getByRole('link', { name: 'Operators' }).getAttribute('href')).toBe('/operators');
    expect(await admin.getByRole('checkbox').count()).toBe(0); // no roles offered any more
    const nav = admin.getByRole('navigation', { name: 'Sections' });
    await nav.getByRole('link', { name: 'Operators' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Founding team' }).count()).toBe(0);
    await screenshotBoth(admin, 'first-run-bootstrap-over');

    await Promise.all([adminContext.close(), rita.context.close(), pia.context.close()]);
    expect(desk.consoleErrors).toEqual([]);
  }, 120_000); // one long journey through four browsers and fourteen screenshots, on a shared machine
});
