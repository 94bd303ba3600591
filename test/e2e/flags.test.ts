import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOperator, type TestOperator } from '../support/factories.js';
import { focused, screenshot, signIn, startConsoleDesk, type ConsoleDesk } from './support/browser.js';

const KEY = 'AUTO_SETTLEMENT';

describe('console: feature flags', () => {
  let desk: ConsoleDesk;
  beforeAll(async () => {
    desk = await startConsoleDesk();
  });
  afterAll(() => desk.close());

  const decider = (op: TestOperator) => ({
    operatorId: op.id,
    stepUpUntil: new Date(desk.clock.now().getTime() + 600_000),
    audit: { actorType: 'operator' as const, actorId: op.id },
  });

  /** Turns AUTO_SETTLEMENT on the only way there is: filed, approved, co-signed in the engine. */
  async function turnOnThroughTheEngine() {
    const { approvals } = desk.t.desk.services;
    const requester = await newOperator(
      { desk: desk.t.desk, clock: desk.clock },
      { roles: ['risk_officer'], name: 'Rhea Requester' },
    );
    const primary = await newOperator(
      { desk: desk.t.desk, clock: desk.clock },
      { roles: ['risk_officer'], name: 'Paul Primary' },
    );
    const secondary = await newOperator(
      { desk: desk.t.desk, clock: desk.clock },
      { roles: ['platform_admin'], name: 'Cleo Cosigner' },
    );
    const { request } = await approvals.file(
      {
        kind: 'flag.set',
        payload: { key: KEY, enabled: true },
        note: 'Pilot with the two desks starts today',
      },
      { type: 'operator', id: requester.id },
      { actorType: 'operator', actorId: requester.id },
    );
    await approvals.approve(
      request.id,
      { reason: 'Runbook checked with treasury', secondaryApproverId: secondary.id },
      decider(primary),
    );
    await approvals.cosign(request.id, { reason: 'Agreed with treasury' }, decider(secondary));
    return request.id;
  }

  it('lists AUTO_SETTLEMENT as OFF and shows its history', async () => {
    const { page, context } = await signIn(desk, ['ops_approver'], { name: 'Olga Ops' });
    // While the list is on its way, a loading message is announced (held until it has been seen).
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/flags', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto('/flags');
    await page.getByRole('status').filter({ hasText: 'Loading flags…' }).waitFor();
    release(); // the route stays: every later call goes straight through
    const row = page.getByTestId(`flag-${KEY}`);
    await row.waitFor();
    expect(await row.locator('.badge').textContent()).toBe('OFF');
    expect(await row.textContent()).toContain('the desk');
    // The seeded state's reason reads the same in the list as on the flag's page.
    expect(await row.getByTestId('flag-list-reason').textContent()).toBe('initial value: off');
    await screenshot(page, 'flags-list');

    await row.getByRole('link', { name: KEY }).click();
    await page.getByRole('heading', { name: KEY, level: 1 }).waitFor();
    expect(await page.getByTestId('flag-state').textContent()).toBe('OFF');
    expect(await page.getByTestId('flag-reason').textContent()).toBe('initial value: off');
    const history = page.getByTestId('flag-history');
    expect(await history.locator('li').count()).toBe(1);
    expect(await history.textContent()).toMatch(/Set\s*OFF\s*initial value.*by the desk.*initial value: off/);
    // an ops approver may propose, but neither stop nor review
    await page.getByRole('heading', { name: 'Propose a change' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Emergency stop' }).count()).toBe(0);
    await screenshot(page, 'flag-detail');
    expect(desk.consoleErrors).toEqual([]);
    await context.close();
  });

  it('proposing a change files a flag.set request (a short reason is refused inline, text kept)', async () => {
    const { page, context, op } = await signIn(desk, ['risk_officer'], { name: 'Rosa Proposer' });
    await page.goto(`/flags/${KEY}`);
    const reason = page.getByLabel(`Why turn ${KEY} on?`);
    await reason.fill('pilot');
    await page.getByRole('button', { name: 'Propose turning it on' }).click();
    const error = page.locator('#propose-reason-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('needs at least 10 characters');
    expect(await reason.inputValue()).toBe('pilot');
    expect(await focused(page)).toBe('propose-reason');
    await screenshot(page, 'flag-propose-refused');

    await reason.fill('pilot with two desks starts Monday');
    await page.getByRole('button', { name: 'Propose turning it on' }).click();
    const filed = page.getByTestId('filed-request');
    await filed.waitFor();
    const href = (await filed.getByRole('link').getAttribute('href')) ?? '';
    expect(href).toMatch(/^\/approvals\/[0-9a-f-]{36}$/);
    const row = await desk.t.database.db
      .selectFrom('change_requests')
      .select(['kind', 'payload', 'status', 'note', 'requested_by_id'])
      .where('id', '=', href.split('/').pop() ?? '')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      kind: 'flag.set',
      payload: { key: KEY, enabled: true },
      status: 'pending',
      note: 'pilot with two desks starts Monday',
      requested_by_id: op.id,
    });
    expect(await reason.inputValue()).toBe('');
    await page
      .getByTestId('open-flag-requests')
      .getByRole('link', { name: `Turn ${KEY} on` })
      .waitFor();
    await screenshot(page, 'flag-proposed');
    expect(desk.consoleErrors).toEqual([]);
    await context.close();
    // leave no open request behind for the next test
    await sql`update change_requests set status = 'cancelled', decided_at = now() where kind = 'flag.set' and status = 'pending'`.execute(
      desk.t.database.db,
    );
  });

  it('emergency disable: reason, confirmation, header OFF at once; a second risk officer acknowledges the review', async () => {
    const requestId = await turnOnThroughTheEngine();
    const rita = await signIn(desk, ['risk_officer'], { name: 'Rita Risk' });
    const { page } = rita;
    await page.goto(`/flags/${KEY}`);
    await page.getByTestId('auto-settlement').filter({ hasText: 'AUTO_SETTLEMENT ON' }).waitFor();
    const approving = page.getByTestId('approving-request');
    await approving.filter({ hasText: 'co-signed by Cleo Cosigner' }).waitFor();
    expect(await approving.getByRole('link').getAttribute('href')).toBe(`/approvals/${requestId}`);
    expect(await approving.textContent()).toContain('Requested by Rhea Requester, approved by Paul Primary');
    await screenshot(page, 'flag-on');

    // no reason: refused next to the field, no dialog
    const stop = page.getByRole('button', { name: 'Turn AUTO_SETTLEMENT off now…' });
    await stop.click();
    await page.locator('#emergency-reason-error').waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);

    const reason = page.getByLabel('What happened (reason for the stop)');
    await reason.fill('Settlement wallet balance does not reconcile');
    await stop.click();
    const dialog = page.getByRole('dialog', { name: 'Turn AUTO_SETTLEMENT off now?' });
    await dialog.waitFor();
    expect(await dialog.getByTestId('confirm-reason').textContent()).toBe(
      'Settlement wallet balance does not reconcile',
    );
    expect(await dialog.textContent()).toContain('without a second approver');
    expect(await focused(page)).toBe('Cancel');
    await screenshot(page, 'flag-emergency-confirm');

    // cancel changes nothing and keeps the reason
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await desk.t.desk.services.flags.isEnabled(desk.t.database.db, KEY)).toBe(true);
    expect(await reason.inputValue()).toBe('Settlement wallet balance does not reconcile');

    await stop.click();
    await dialog.getByRole('button', { name: 'Yes, turn it off now' }).click();
    await page.getByTestId('emergency-done').waitFor();
    await page.getByTestId('auto-settlement').filter({ hasText: 'AUTO_SETTLEMENT OFF' }).waitFor();
    expect(await desk.t.desk.services.flags.isEnabled(desk.t.database.db, KEY)).toBe(false);
    // The detail refetches on the live event, a moment after the header: wait for it, don't race it.
    await expect.poll(() => page.getByTestId('flag-state').textContent()).toBe('OFF');
    const open = page.getByTestId('review-open');
    await open.waitFor();
    expect(await open.textContent()).toContain('You made this stop');
    await expect
      .poll(() => page.getByTestId('flag-history').locator('li').first().textContent())
      .toMatch(
        /Turned\s*OFF\s*emergency stop.*Rita Risk \(you\).*Settlement wallet balance does not reconcile/,
      );
    await screenshot(page, 'flag-emergency-done');

    // a second risk officer, whose step-up window has closed, acknowledges it
    const ravi = await signIn(desk, ['risk_officer'], { name: 'Ravi Reviewer' });
    await sql`update operator_sessions set step_up_until = ${new Date(desk.clock.now().getTime() - 1000)} where operator_id = ${ravi.op.id}`.execute(
      desk.t.database.db,
    );
    await ravi.page.goto(`/flags/${KEY}`);
    const review = ravi.page.getByTestId('review-open');
    await review.filter({ hasText: 'stopped by Rita Risk' }).waitFor(); // the name comes from the audit trail
    const comment = ravi.page.getByLabel('Your review comment');
    await comment.fill('ok');
    await ravi.page.getByRole('button', { name: 'Acknowledge review' }).click();
    // the step-up dialog asks for a fresh code, then the call is retried…
    const stepUp = ravi.page.getByRole('dialog', { name: 'Confirm it is you' });
    await stepUp.waitFor();
    desk.clock.advance(30_000); // the sign-in spent this step's codes
    await stepUp.getByLabel('Authenticator code').fill(ravi.op.totp());
    await stepUp.getByRole('button', { name: 'Confirm' }).click();
    // …and the refusal (REASON_REQUIRED) comes back next to the field; nothing typed is lost
    const error = ravi.page.locator('[id^="ack-"][id$="-error"]');
    await error.waitFor();
    expect(await error.textContent()).toBe('needs at least 10 characters');
    expect(await comment.inputValue()).toBe('ok');
    await screenshot(ravi.page, 'flag-review-refused');
    await comment.fill('Checked the wallet: the stop was right');
    await ravi.page.getByRole('button', { name: 'Acknowledge review' }).click();
    const done = ravi.page.getByTestId('review-acknowledged');
    await done.waitFor();
    expect(await done.textContent()).toContain('Acknowledged by Ravi Reviewer (you)');
    expect(await done.textContent()).toContain('Checked the wallet: the stop was right');
    const stored = await desk.t.database.db
      .selectFrom('flag_reviews')
      .select(['status', 'acknowledged_by'])
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ status: 'acknowledged', acknowledged_by: ravi.op.id });
    await screenshot(ravi.page, 'flag-review-acknowledged');

    expect(desk.consoleErrors).toEqual([]);
    await rita.context.close();
    await ravi.context.close();
  });
});
