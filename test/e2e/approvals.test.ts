import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withdrawOpenTwin } from '../support/approvals.js';
import {
  focused,
  SCREENSHOTS,
  screenshot,
  signIn,
  startConsoleDesk,
  type ConsoleDesk,
  type ConsoleUser,
} from './support/browser.js';
import {
  approveInEngine,
  cosignerChoices,
  expireStepUp,
  fileFlagSet,
  fileRequest,
  fillApprove,
  openRequest,
  REASON,
  statusOf,
} from './support/approvals.js';

/**
 * Issue #4 screens 2 and 3 in a real browser: the queue, the request detail, and the dual-control
 * journey across three operators in three browser contexts, live over /api/events.
 */
describe('console: approvals queue, request detail and the dual-control journey', () => {
  let desk: ConsoleDesk;
  let ada: ConsoleUser; // risk officer: files requests
  let ben: ConsoleUser; // risk officer: primary approver
  let cleo: ConsoleUser; // platform admin: co-signer
  let dora: ConsoleUser; // another platform admin: eligible co-signer too

  beforeAll(async () => {
    desk = await startConsoleDesk();
    ada = await signIn(desk, ['risk_officer'], { name: 'Ada Requester' });
    ben = await signIn(desk, ['risk_officer'], { name: 'Ben Approver' });
    cleo = await signIn(desk, ['platform_admin'], { name: 'Cleo Cosigner' });
    dora = await signIn(desk, ['platform_admin'], { name: 'Dora Admin' });
  });
  afterAll(() => desk.close());

  const flagEnabled = async () =>
    (
      await sql<{
        enabled: boolean;
      }>`select enabled from feature_flags where key = 'AUTO_SETTLEMENT'`.execute(desk.t.database.db)
    ).rows[0]?.enabled;

  it('A files, B approves naming C, C sees it appear live in "Awaiting my co-sign" and co-signs; the flag turns on', async () => {
    // C is already looking at their co-sign tab; B at the open queue. Neither will reload.
    await cleo.page.goto('/approvals?tab=mine');
    await cleo.page.getByTestId('queue-empty').filter({ hasText: 'Nothing awaits your co-sign' }).waitFor();
    expect(await cleo.page.getByTestId('awaiting-me-count').count()).toBe(0);
    await screenshot(cleo.page, 'approvals-empty-cosign');
    await cleo.page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
    await ben.page.goto('/approvals');
    await ben.page.getByTestId('queue-empty').waitFor();

    // A proposes it from the Flags screen, as an operator would.
    await ada.page.goto('/flags/AUTO_SETTLEMENT');
    await ada.page.getByLabel('Why turn AUTO_SETTLEMENT on?').fill('Pilot with two desks starts Monday');
    await ada.page.getByRole('button', { name: 'Propose turning it on' }).click();
    const filedLink = ada.page.getByTestId('filed-request').getByRole('link');
    await filedLink.waitFor();
    const filedId = ((await filedLink.getAttribute('href')) ?? '').replace(/^\/approvals\//, '');
    const filed = await desk.t.database.db
      .selectFrom('change_requests')
      .select(['id', 'kind', 'payload', 'digest', 'requested_by_id'])
      .where('id', '=', filedId)
      .executeTakeFirstOrThrow();
    expect(filed).toMatchObject({
      kind: 'flag.set',
      payload: { key: 'AUTO_SETTLEMENT', enabled: true },
      requested_by_id: ada.op.id,
    });

    // B's queue shows it without a reload: kind, summary, status, requester, age, time left.
    const row = ben.page.getByTestId('approval-row').filter({ hasText: 'Turn AUTO_SETTLEMENT on' });
    await row.waitFor();
    await row.filter({ hasText: 'Ada Requester' }).waitFor();
    expect(await row.locator('td').allTextContents()).toEqual([
      'Feature flagflag.set',
      'Turn AUTO_SETTLEMENT on',
      'Pending',
      'Ada Requester',
      expect.stringMatching(/just now|\d+ s ago/),
      expect.stringMatching(/^(3 h 5\d|4 h 00) min$/),
    ]);
    await screenshot(ben.page, 'approvals-queue');

    // B opens it: what changes, the digest, who asked and why, the policy, the history.
    await row.click();
    await ben.page.getByRole('heading', { name: 'Turn AUTO_SETTLEMENT on', level: 1 }).waitFor();
    expect(await ben.page.getByTestId('digest').textContent()).toBe(filed.digest);
    expect(await ben.page.getByTestId('diff').locator('tbody tr').allTextContents()).toEqual([
      'enabledoffon',
    ]);
    expect(await ben.page.getByTestId('requester').textContent()).toBe('Ada Requester');
    expect(await ben.page.getByTestId('requester-email').textContent()).toBe(ada.op.email);
    expect(
      await ben.page.getByRole('list', { name: "Requester's roles" }).getByRole('listitem').allTextContents(),
    ).toEqual(['Risk officer']);
    expect(await ben.page.locator('q.note').textContent()).toBe('Pilot with two desks starts Monday');
    await ben.page
      .getByRole('region', { name: 'Policy in force' })
      .getByText('Risk officer, Platform admin')
      .waitFor();
    expect(await ben.page.getByTestId('history').locator('li').count()).toBe(1);

    // The drop-down offers eligible co-signers only: never the requester (Ada) nor B himself.
    expect((await cosignerChoices(ben.page)).sort()).toEqual(['Cleo Cosigner', 'Dora Admin']);
    await fillApprove(ben.page, REASON, 'Cleo Cosigner');
    await screenshot(ben.page, 'approval-detail-approve');
    await ben.page.getByRole('button', { name: 'Approve and request co-sign' }).click();
    await ben.page
      .getByTestId('decision-notice')
      .filter({ hasText: 'Cleo Cosigner has been asked to co-sign it' })
      .waitFor();
    await statusOf(ben.page).filter({ hasText: 'Awaiting co-sign' }).waitFor();
    expect(await flagEnabled()).toBe(false); // naming a co-signer applies nothing

    // C's open page updates itself: the row and the badge appear, no reload.
    await cleo.page.getByTestId('approval-row').filter({ hasText: 'Turn AUTO_SETTLEMENT on' }).waitFor();
    expect(await cleo.page.getByTestId('awaiting-me-count').textContent()).toBe('1');
    expect(
      await cleo.page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded),
    ).toBe(true);
    expect(await cleo.page.getByTestId('auto-settlement').textContent()).toBe('AUTO_SETTLEMENT OFF');
    await screenshot(cleo.page, 'approvals-awaiting-my-cosign');

    await cleo.page.getByRole('link', { name: 'Turn AUTO_SETTLEMENT on' }).click();
    await cleo.page.getByRole('heading', { name: 'Co-sign' }).waitFor();
    await cleo.page.getByText(REASON).first().waitFor(); // the primary's reason, shown to the co-signer
    await cleo.page.getByLabel('Your reason for co-signing').fill('Agreed: pilot desks only');
    await screenshot(cleo.page, 'approval-detail-cosign');
    await cleo.page.getByRole('button', { name: 'Co-sign and apply' }).click();

    await cleo.page.getByTestId('decision-notice').filter({ hasText: 'the change is applied' }).waitFor();
    await statusOf(cleo.page).filter({ hasText: 'Approved' }).waitFor();
    await cleo.page.getByTestId('auto-settlement').filter({ hasText: 'AUTO_SETTLEMENT ON' }).waitFor();
    expect(await flagEnabled()).toBe(true);
    expect(await cleo.page.getByTestId('history').locator('strong').allTextContents()).toEqual([
      'Filed',
      'Approved by the primary approver',
      'Co-signed: the change was applied',
    ]);
    // B's page, still open on the request, followed along.
    await statusOf(ben.page).filter({ hasText: 'Approved' }).waitFor();
    await ben.page.getByTestId('auto-settlement').filter({ hasText: 'AUTO_SETTLEMENT ON' }).waitFor();
    // And C's badge is gone: nothing awaits them any more.
    await cleo.page.goto('/approvals?tab=mine');
    await cleo.page.getByTestId('queue-empty').waitFor();
    expect(await cleo.page.getByTestId('awaiting-me-count').count()).toBe(0);
    expect(desk.consoleErrors).toEqual([]);
  });

  it('the co-signer drop-down never lists the requester or the primary, whoever files and whoever approves', async () => {
    const filedByBen = await fileFlagSet(ben, false, 'Back to manual settlement after the pilot');
    await openRequest(ada.page, filedByBen.id);
    expect((await cosignerChoices(ada.page)).sort()).toEqual(['Cleo Cosigner', 'Dora Admin']); // not Ben (requester), not Ada (viewer)
    await openRequest(cleo.page, filedByBen.id);
    expect(await cleo.page.getByRole('heading', { name: 'Approve' }).count()).toBe(0); // platform admins co-sign flag.set, never approve it

    // Once approved, the desk's list for this request excludes the primary too.
    await approveInEngine(desk, filedByBen.id, ada.op, cleo.op);
    const eligible = await cleo.page.request.get(`/api/approvals/${filedByBen.id}/eligible-approvers`);
    const names = ((await eligible.json()) as { items: { name: string }[] }).items.map((p) => p.name).sort();
    expect(names).toEqual(['Cleo Cosigner', 'Dora Admin']);
    expect(desk.consoleErrors).toEqual([]);
  });

  it('step-up: the dialog asks for a fresh code, then the approval goes through with the reason as typed', async () => {
    const filed = await fileRequest(
      ada,
      'operator.role',
      { operatorId: dora.op.id, role: 'auditor', action: 'grant' },
      'Dora helps with the quarterly audit',
    );
    await openRequest(cleo.page, filed.id); // operator.role: platform admins approve, risk officers co-sign
    await expireStepUp(desk, cleo.op.id);
    const reason = 'Quarterly audit needs a second reader; agreed with compliance';
    await fillApprove(cleo.page, reason, 'Ben Approver');
    await cleo.page.getByRole('button', { name: 'Approve and request co-sign' }).click();

    // First time: cancel the dialog. Nothing is lost; the form says what is needed.
    const dialog = cleo.page.getByRole('dialog', { name: 'Confirm it is you' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await cleo.page.locator('.form-error').filter({ hasText: 'fresh authenticator code' }).waitFor();
    expect(await cleo.page.getByLabel('Reason for approving').inputValue()).toBe(reason);

    // Second time: a code from the authenticator, and the same submit carries on by itself.
    await cleo.page.getByRole('button', { name: 'Approve and request co-sign' }).click();
    await dialog.waitFor();
    desk.clock.advance(30_000);
    await dialog.getByLabel('Authenticator code').fill(cleo.op.totp());
    await cleo.page.screenshot({ path: path.join(SCREENSHOTS, 'step-up-dialog.png') }); // the viewport: a modal's backdrop covers only that
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await cleo.page
      .getByTestId('decision-notice')
      .filter({ hasText: 'Ben Approver has been asked to co-sign it' })
      .waitFor();
    await statusOf(cleo.page).filter({ hasText: 'Awaiting co-sign' }).waitFor();
    await cleo.page.getByRole('region', { name: 'Decisions so far' }).getByText(reason).waitFor();
    expect(await dialog.isVisible()).toBe(false);
    expect(desk.consoleErrors).toEqual([]);
  });

  it('queue: tabs, filters by kind and status, "Load more", empty states', async () => {
    // Enough requests for a second page (25 a page).
    // Distinct ones: an identical request while one is open is refused (DUPLICATE_REQUEST).
    for (let i = 0; i < 24; i++)
      await fileRequest(
        dora,
        'policy.set',
        {
          kind: 'settlement.requeue',
          primaryRoles: ['ops_approver', 'risk_officer'],
          secondaryRoles: ['risk_officer'],
          ttlSeconds: 3600 + i,
          tiers: [],
        },
        `bulk ${i}`,
      );
    await ben.page.goto('/approvals?tab=all');
    const rows = ben.page.getByTestId('approval-row');
    await rows.nth(24).waitFor();
    expect(await rows.count()).toBe(25);
    const total =
      (await sql<{ n: number }>`select count(*)::int as n from change_requests`.execute(desk.t.database.db))
        .rows[0]?.n ?? 0;
    expect(total).toBe(27);
    await ben.page.getByRole('button', { name: 'Load more' }).click();
    await rows.nth(total - 1).waitFor();
    expect(await rows.count()).toBe(total);
    expect(await ben.page.getByRole('button', { name: 'Load more' }).count()).toBe(0);

    await ben.page.getByLabel('Kind').selectOption('operator.role');
    await rows.first().filter({ hasText: 'operator.role' }).waitFor();
    await expect.poll(() => rows.count()).toBe(1);
    await ben.page.getByLabel('Kind').selectOption('flag.set');
    await ben.page.getByLabel('Status').selectOption('approved');
    await expect
      .poll(() => rows.allTextContents())
      .toEqual([expect.stringContaining('Turn AUTO_SETTLEMENT on')]);

    await ben.page.getByRole('tab', { name: 'Open' }).click();
    await expect.poll(() => ben.page.getByLabel('Status').inputValue()).toBe(''); // "approved" is not an open status
    await ben.page.getByLabel('Status').selectOption('awaiting_secondary');
    await expect.poll(() => rows.count()).toBe(1); // Ben's own flag.set request, approved by Ada
    await ben.page.getByLabel('Kind').selectOption('policy.set');
    await ben.page
      .getByTestId('queue-empty')
      .filter({ hasText: 'No requests match these filters.' })
      .waitFor();
    await ben.page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => rows.count()).toBeGreaterThan(20);

    // Keyboard: arrows move between tabs.
    await ben.page.getByRole('tab', { name: 'Open' }).focus();
    await ben.page.keyboard.press('ArrowRight');
    await expect
      .poll(() => ben.page.getByRole('tab', { name: /Awaiting my co-sign/ }).getAttribute('aria-selected'))
      .toBe('true');
    await ben.page.getByRole('row').filter({ hasText: 'Grant auditor' }).waitFor(); // Cleo named Ben for the role grant
    expect(await ben.page.getByTestId('awaiting-me-count').textContent()).toBe('1');
    expect(desk.consoleErrors).toEqual([]);
  });

  it('cancel: the requester cancels their own request after one confirmation; an approver looking at it sees it cancelled live', async () => {
    // The co-signer test left the same request open; an identical one would be refused as a duplicate.
    await withdrawOpenTwin(desk.t, 'flag.set', { key: 'AUTO_SETTLEMENT', enabled: false });
    const filed = await fileFlagSet(ada, false, 'Turn it off for the audit window');
    await openRequest(ben.page, filed.id); // Ben is reading it, ready to decide
    await ben.page.getByRole('heading', { name: 'Approve' }).waitFor();
    await openRequest(ada.page, filed.id);

    // The first click only asks; "Keep it open" changes nothing.
    await ada.page.getByRole('button', { name: 'Cancel this request' }).click();
    await ada.page.getByText('Cancel it for good?').waitFor();
    expect(await ada.page.locator('#cancel-confirm').isVisible()).toBe(true);
    await ada.page.getByRole('button', { name: 'Keep it open' }).click();
    await ada.page.getByRole('button', { name: 'Cancel this request' }).waitFor();
    expect(await statusOf(ada.page).textContent()).toBe('Pending');

    await ada.page.getByRole('button', { name: 'Cancel this request' }).click();
    const yes = ada.page.getByRole('button', { name: 'Yes, cancel the request' });
    await expect.poll(() => focused(ada.page)).toBe('Yes, cancel the request'); // the confirmation has the focus
    await screenshot(ada.page, 'approval-cancel-confirm');
    await yes.click();
    await ada.page
      .getByTestId('decision-notice')
      .filter({ hasText: 'You cancelled this request.' })
      .waitFor();
    await statusOf(ada.page).filter({ hasText: 'Cancelled' }).waitFor();
    await ada.page.getByTestId('history').getByText('Cancelled').waitFor();
    await screenshot(ada.page, 'approval-cancelled');
    expect(
      (
        await desk.t.database.db
          .selectFrom('change_requests')
          .select('status')
          .where('id', '=', filed.id)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe('cancelled');

    // Ben's open page follows: cancelled, and nothing left to decide.
    await statusOf(ben.page).filter({ hasText: 'Cancelled' }).waitFor();
    await expect.poll(() => ben.page.getByRole('heading', { name: 'Approve' }).count()).toBe(0);
    expect(desk.consoleErrors).toEqual([]);
  });
});
