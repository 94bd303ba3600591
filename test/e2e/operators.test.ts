import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOperator } from '../support/factories.js';
import { focused, screenshot, signIn, startConsoleDesk, type ConsoleDesk } from './support/browser.js';

describe('console: operators', () => {
  let desk: ConsoleDesk;
  beforeAll(async () => {
    desk = await startConsoleDesk();
  });
  afterAll(() => desk.close());

  it('a platform admin adds an operator (roles become requests), proposes a revoke and deactivates someone', async () => {
    const vera = await newOperator(
      { desk: desk.t.desk, clock: desk.clock },
      { roles: ['risk_officer', 'ops_approver'], name: 'Vera Veteran', email: 'vera@desk.test' },
    );
    const { page, context } = await signIn(desk, ['platform_admin'], { name: 'Pat Admin' });
    await page.goto('/operators');
    const veraRow = page.getByTestId('operator-vera@desk.test');
    await veraRow.waitFor();
    expect(await veraRow.textContent()).toMatch(
      /Vera Veteran.*Risk officer.*Ops approver.*Active.*✓ Enrolled.*Not linked/,
    );
    expect(
      await page
        .getByTestId('operators')
        .locator('tbody tr')
        .filter({ hasText: 'Pat Admin (you)' })
        .getByRole('button', { name: /Deactivate/ })
        .count(),
    ).toBe(0);
    await screenshot(page, 'operators-list');

    // add: the server's refusals land next to their fields, and nothing typed is lost; no password asked
    await page.getByRole('button', { name: 'Add operator' }).click();
    const form = page.getByRole('region', { name: 'Add an operator' });
    expect(await form.getByLabel(/password/i).count()).toBe(0);
    await form.getByLabel('Name').fill('Nina Newcomer');
    await form.getByLabel('Email').fill('nina@');
    await form.getByLabel('Ops approver').check();
    await form.getByLabel('Auditor').check();
    await form.getByRole('button', { name: 'Create operator' }).click();
    const emailError = page.locator('#new-email-error');
    await emailError.waitFor();
    expect(await focused(page)).toBe('new-email');
    expect(await form.getByLabel('Name').inputValue()).toBe('Nina Newcomer');
    await screenshot(page, 'operators-add-refused');

    // a fresh desk is in its bootstrap: the founding roles are granted at once, with an invitation
    await form.getByLabel('Email').fill('nina@desk.test');
    await form.getByRole('button', { name: 'Create operator' }).click();
    const created = page.getByTestId('created-operator');
    await created.waitFor();
    expect(await created.textContent()).toContain(
      'Nina Newcomer (nina@desk.test) was created as part of the founding team',
    );
    const url = await page.getByTestId('invitation-url').inputValue();
    expect(url).toMatch(/\/invite\/[\w-]{20,}$/);
    const nina = await desk.t.database.db
      .selectFrom('operators')
      .select(['id', 'roles', 'status', 'mfa_enrolled_at'])
      .where('email', '=', 'nina@desk.test')
      .executeTakeFirstOrThrow();
    expect([...nina.roles].sort()).toEqual(['auditor', 'ops_approver']);
    expect(nina.mfa_enrolled_at).toBeNull();

    // Nina accepts her own invitation in her own browser: her password, then her own authenticator
    const ninaContext = await desk.browser.newContext({ baseURL: desk.base });
    const ninaPage = await ninaContext.newPage();
    await ninaPage.goto(new URL(url).pathname);
    await ninaPage.getByRole('heading', { name: 'Welcome, Nina Newcomer' }).waitFor();
    await screenshot(ninaPage, 'invite-accept');
    await ninaPage.getByLabel('Password', { exact: true }).fill('ninas own passphrase');
    await ninaPage.getByLabel('Password again').fill('ninas own passphrase');
    await ninaPage.getByRole('button', { name: 'Set my password' }).click();
    await ninaPage.waitForURL(/\/mfa$/);
    await screenshot(ninaPage, 'invite-then-mfa');
    await ninaContext.close();
    await page.getByTestId('operator-nina@desk.test').waitFor();
    await screenshot(page, 'operators-added');
    await form.getByRole('button', { name: 'Close' }).click();

    // propose a revoke
    await veraRow.getByRole('button', { name: 'Propose a role change for Vera Veteran' }).click();
    const panel = page.getByRole('form', { name: 'Propose a role change for Vera Veteran' });
    await panel.getByLabel('Change').selectOption('revoke');
    await panel.getByLabel('Role').selectOption('risk_officer');
    await panel.getByLabel('Note for the approvers (optional)').fill('Moved to the treasury team');
    await panel.getByRole('button', { name: 'Propose revoke' }).click();
    const filed = panel.getByTestId('role-request-filed');
    await filed.waitFor();
    expect(await filed.textContent()).toContain('Revoke risk_officer from Vera Veteran <vera@desk.test>');
    const revoke = await desk.t.database.db
      .selectFrom('change_requests')
      .select(['payload', 'note', 'status'])
      .where('kind', '=', 'operator.role')
      .where('note', '=', 'Moved to the treasury team')
      .executeTakeFirstOrThrow();
    expect(revoke).toEqual({
      payload: { operatorId: vera.id, role: 'risk_officer', action: 'revoke' },
      note: 'Moved to the treasury team',
      status: 'pending',
    });
    await veraRow.filter({ hasText: '− Risk officer pending' }).waitFor();
    await screenshot(page, 'operators-revoke');
    await panel.getByRole('button', { name: 'Close' }).click();

    // deactivate, after a confirmation; cancelling changes nothing
    await veraRow.getByRole('button', { name: 'Deactivate Vera Veteran' }).click();
    const dialog = page.getByRole('dialog', { name: 'Deactivate Vera Veteran?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('signed out of every session at once');
    await screenshot(page, 'operators-deactivate-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(
      (
        await desk.t.database.db
          .selectFrom('operators')
          .select('status')
          .where('id', '=', vera.id)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe('active');

    const veraSession = await vera.login();
    await veraRow.getByRole('button', { name: 'Deactivate Vera Veteran' }).click();
    await dialog.getByRole('button', { name: 'Deactivate now' }).click();
    await page.getByTestId('operators-outcome').filter({ hasText: 'Vera Veteran was deactivated' }).waitFor();
    await veraRow.filter({ hasText: 'Deactivated' }).waitFor();
    expect(await veraRow.getByRole('button').count()).toBe(0);
    expect(
      (
        await desk.t.database.db
          .selectFrom('operators')
          .select('status')
          .where('id', '=', vera.id)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe('deactivated');
    expect(
      (await desk.t.app.inject({ method: 'GET', url: '/api/me', headers: veraSession.bearer })).statusCode,
    ).toBe(401);
    await screenshot(page, 'operators-deactivated');

    expect(desk.consoleErrors).toEqual([]);
    await context.close();
  });

  it('shows who linked Telegram, and a role grant proposed from the Roles… panel files an operator.role request', async () => {
    const tess = await newOperator(
      { desk: desk.t.desk, clock: desk.clock },
      { roles: ['ops_approver'], name: 'Tess Telegram', email: 'tess@desk.test' },
    );
    const otto = await newOperator(
      { desk: desk.t.desk, clock: desk.clock },
      { roles: ['ops_approver'], name: 'Otto Offline', email: 'otto@desk.test' },
    );
    // Tess links her Telegram account the real way: a code from My account, sent to the bot (/link CODE).
    const { account } = desk.t.desk.services;
    const { code } = await account.issueTelegramLinkCode(tess.id, {
      actorType: 'operator',
      actorId: tess.id,
    });
    await account.consumeTelegramLinkCode(code, 424242, { actorType: 'operator', actorId: tess.id });

    const { page, context } = await signIn(desk, ['platform_admin'], { name: 'Priya Admin' });
    await page.goto('/operators');
    const tessRow = page.getByTestId('operator-tess@desk.test');
    await tessRow.waitFor();
    expect(await tessRow.textContent()).toMatch(/Tess Telegram.*Ops approver.*Active.*✓ Enrolled.*Linked/);
    expect(await tessRow.textContent()).not.toContain('Not linked');
    expect(await page.getByTestId('operator-otto@desk.test').textContent()).toContain('Not linked');
    await screenshot(page, 'operators-telegram-linked');

    // Propose a grant for Otto from his Roles… panel.
    const ottoRow = page.getByTestId('operator-otto@desk.test');
    await ottoRow.getByRole('button', { name: 'Propose a role change for Otto Offline' }).click();
    const panel = page.getByRole('form', { name: 'Propose a role change for Otto Offline' });
    await panel.getByLabel('Change').selectOption('grant');
    const roleChoices = await panel.getByLabel('Role').locator('option').allTextContents();
    expect(roleChoices.join(' ')).not.toMatch(/Ops approver/); // he holds it already: nothing to grant
    await panel.getByLabel('Role').selectOption('auditor');
    await panel.getByLabel('Note for the approvers (optional)').fill('Second reader for the quarterly audit');
    await panel.getByRole('button', { name: 'Propose grant' }).click();
    const filed = panel.getByTestId('role-request-filed');
    await filed.waitFor();
    expect(await filed.textContent()).toContain('Grant auditor to Otto Offline <otto@desk.test>');
    const href = (await filed.getByRole('link').first().getAttribute('href')) ?? '';
    const grant = await desk.t.database.db
      .selectFrom('change_requests')
      .select(['id', 'kind', 'payload', 'note', 'status'])
      .where('id', '=', href.split('/').pop() ?? '')
      .executeTakeFirstOrThrow();
    expect(grant).toMatchObject({
      kind: 'operator.role',
      payload: { operatorId: otto.id, role: 'auditor', action: 'grant' },
      note: 'Second reader for the quarterly audit',
      status: 'pending',
    });
    await ottoRow.filter({ hasText: 'Auditor pending' }).waitFor();
    expect(
      (
        await desk.t.database.db
          .selectFrom('operators')
          .select('roles')
          .where('id', '=', otto.id)
          .executeTakeFirstOrThrow()
      ).roles,
    ).toEqual(['ops_approver']); // nothing granted until approved and co-signed
    await screenshot(page, 'operators-grant');
    expect(desk.consoleErrors).toEqual([]);
    await context.close();
  });

  it('an auditor sees the list but cannot add, propose or deactivate', async () => {
    const { page, context } = await signIn(desk, ['auditor'], { name: 'Ada Auditor' });
    await page.goto('/operators');
    await page.getByTestId('operators').waitFor();
    expect(await page.getByRole('button', { name: 'Add operator' }).count()).toBe(0);
    expect(await page.getByTestId('operators').getByRole('button').count()).toBe(0);
    await page.getByText('only a platform admin can add operators').waitFor();
    await screenshot(page, 'operators-auditor');
    expect(desk.consoleErrors).toEqual([]);
    await context.close();
  });
});
