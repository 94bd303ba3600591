import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withdrawOpenTwin } from '../support/approvals.js';
import { newOperator } from '../support/factories.js';
import {
  screenshot,
  signIn,
  startConsoleDesk,
  type ConsoleDesk,
  type ConsoleUser,
} from './support/browser.js';
import {
  approveInEngine,
  expireRequest,
  fileFlagSet,
  fileRequest,
  fillApprove,
  openRequest,
  REASON,
  signInOnSameBrowser,
  statusOf,
} from './support/approvals.js';

/**
 * Every refusal of the desk shown where the operator is looking, in words, the instant it comes
 * back, with nothing they typed lost. Each scenario is one that really happens at a desk; the
 * comments say which.
 */
describe('console: decision refusals shown inline', () => {
  let desk: ConsoleDesk;
  let ada: ConsoleUser; // risk officer: files requests
  let ben: ConsoleUser; // risk officer: approves
  let cleo: ConsoleUser; // platform admin: named co-signer
  let dora: ConsoleUser; // platform admin: could co-sign, but is never the one named

  beforeAll(async () => {
    desk = await startConsoleDesk();
    ada = await signIn(desk, ['risk_officer'], { name: 'Ada Requester' });
    ben = await signIn(desk, ['risk_officer'], { name: 'Ben Approver' });
    cleo = await signIn(desk, ['platform_admin'], { name: 'Cleo Cosigner' });
    dora = await signIn(desk, ['platform_admin'], { name: 'Dora Admin' });
  });
  afterAll(() => desk.close());
  // Each scenario files its own "turn AUTO_SETTLEMENT on"; the one an earlier scenario left open is
  // withdrawn first (an identical request while one is open is refused as DUPLICATE_REQUEST).
  const withdrawTurnOn = () =>
    withdrawOpenTwin(desk.t, 'flag.set', { key: 'AUTO_SETTLEMENT', enabled: true });
  beforeEach(withdrawTurnOn);

  const formError = (user: ConsoleUser) => user.page.locator('.form-error');

  it('no co-signer, then a short reason: each refusal next to its field; the reason and the choice stay', async () => {
    const filed = await fileFlagSet(ada, true);
    await openRequest(ben.page, filed.id);
    const reason = ben.page.getByLabel('Reason for approving');
    const select = ben.page.getByLabel('Co-signer (secondary approver)');
    const approve = ben.page.getByRole('button', { name: 'Approve and request co-sign' });

    // Nothing typed, nothing chosen: checked in the page before asking the desk, both errors at once.
    await fillApprove(ben.page, '', null);
    await approve.click();
    await ben.page
      .locator('#approve-secondary-error')
      .filter({ hasText: 'Choose who co-signs from the list.' })
      .waitFor();
    await ben.page
      .locator('#approve-reason-error')
      .filter({ hasText: 'The reason needs at least 10 characters.' })
      .waitFor();
    expect(await select.getAttribute('aria-invalid')).toBe('true');
    expect(await select.getAttribute('aria-describedby')).toContain('approve-secondary-error');
    expect(await ben.page.locator('#approve-reason:focus').count()).toBe(1); // the first to fix

    // A co-signer but no reason at all: REASON_REQUIRED, under the reason, which gets the focus; the choice stays.
    await fillApprove(ben.page, '', 'Cleo Cosigner');
    await approve.click();
    await ben.page
      .locator('#approve-reason-error')
      .filter({ hasText: 'The reason needs at least 10 characters.' })
      .waitFor();
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    expect(await ben.page.locator('#approve-reason:focus').count()).toBe(1);
    expect(await select.locator('option:checked').textContent()).toMatch(/^Cleo Cosigner/);
    expect(await ben.page.locator('#approve-secondary-error').count()).toBe(0);
    expect(await formError(ben).count()).toBe(0); // said once, next to the reason
    await screenshot(ben.page, 'approval-refused-empty-reason');

    // A co-signer but a reason of 9 non-blank characters: REASON_REQUIRED, under the reason.
    await fillApprove(ben.page, 'too   short', 'Cleo Cosigner');
    await approve.click();
    await ben.page
      .locator('#approve-reason-error')
      .filter({ hasText: 'The reason needs at least 10 characters.' })
      .waitFor();
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    expect(await reason.getAttribute('aria-describedby')).toContain('approve-reason-error');
    expect(await ben.page.locator('#approve-reason:focus').count()).toBe(1);
    expect(await reason.inputValue()).toBe('too   short');
    expect(await select.locator('option:checked').textContent()).toMatch(/^Cleo Cosigner/);
    expect(await ben.page.locator('#approve-secondary-error').count()).toBe(0); // the earlier refusal is gone
    await screenshot(ben.page, 'approval-refused-reason');

    // Rejecting needs a justification too.
    await ben.page.getByRole('button', { name: 'Reject request' }).click();
    await ben.page
      .locator('#reject-reason-error')
      .filter({ hasText: /at least 10 (visible )?characters/ })
      .waitFor();

    // Fixing the reason is enough: the same form goes through.
    await reason.fill(REASON);
    await approve.click();
    await statusOf(ben.page).filter({ hasText: 'Awaiting co-sign' }).waitFor();
    expect(desk.consoleErrors).toEqual([]);
  });

  it('NOT_ELIGIBLE: the chosen co-signer is deactivated before the click; said next to the drop-down, nothing typed lost', async () => {
    const gus = await newOperator(
      { desk: desk.t.desk, clock: desk.clock },
      { roles: ['platform_admin'], name: 'Gus Leaving' },
    );
    const filed = await fileFlagSet(ada, true, 'Pilot while Gus leaves');
    await openRequest(ben.page, filed.id);
    await fillApprove(ben.page, REASON, 'Gus Leaving'); // listed when the drop-down loaded

    // Meanwhile a platform admin deactivates Gus through the API (he is leaving the desk).
    const csrf = (await dora.context.cookies()).find((c) => c.name === 'desk_csrf')?.value ?? '';
    const res = await dora.page.request.post(`/api/operators/${gus.id}/deactivate`, {
      headers: { 'x-csrf-token': csrf },
    });
    expect(res.status(), await res.text()).toBe(200);

    await ben.page.getByRole('button', { name: 'Approve and request co-sign' }).click();
    const select = ben.page.getByLabel('Co-signer (secondary approver)');
    await ben.page
      .locator('#approve-secondary-error')
      .filter({ hasText: 'The co-signer you chose may not co-sign this request.' })
      .waitFor();
    expect(await select.getAttribute('aria-invalid')).toBe('true');
    expect(await select.getAttribute('aria-describedby')).toContain('approve-secondary-error');
    expect(await ben.page.locator('#approve-secondary:focus').count()).toBe(1);
    expect(await formError(ben).count()).toBe(0);
    // The choice stays (marked as no longer listed once the list is fetched again), and so does the reason.
    await select
      .locator('option:checked')
      .filter({ hasText: /^Gus Leaving.*\(no longer listed\)$/ })
      .waitFor({ state: 'attached' });
    expect(await ben.page.getByLabel('Reason for approving').inputValue()).toBe(REASON);
    await statusOf(ben.page).filter({ hasText: 'Pending' }).waitFor(); // nothing was decided
    await screenshot(ben.page, 'approval-refused-not-eligible');

    // Choosing someone still listed is enough.
    await fillApprove(ben.page, REASON, 'Cleo Cosigner');
    await ben.page.getByRole('button', { name: 'Approve and request co-sign' }).click();
    await statusOf(ben.page).filter({ hasText: 'Awaiting co-sign' }).waitFor();
    expect(desk.consoleErrors).toEqual([]);
  });

  it('SELF_APPROVAL: the requester is offered no Approve; a tab left open by someone else is refused at the form', async () => {
    const filed = await fileFlagSet(ada, true, 'Second pilot');
    // The requester opening their own request sees why they cannot decide it, and only Cancel.
    await openRequest(ada.page, filed.id);
    await ada.page.getByTestId('viewer-notice').filter({ hasText: 'You filed this request' }).waitFor();
    expect(await ada.page.getByRole('heading', { name: 'Approve' }).count()).toBe(0);
    expect(await ada.page.getByRole('heading', { name: 'Reject' }).count()).toBe(0);
    await ada.page.getByRole('heading', { name: 'Cancel your request' }).waitFor();

    // The drop-down never offers the requester either, so the console itself cannot produce
    // SELF_APPROVAL. The real path: a shared desk workstation. Eve (risk officer) has the approve form
    // open with a reason typed; she steps away, and Ada signs in on the same browser in another tab.
    // Back on Eve's tab, the click carries Ada's session: the desk refuses it as a self-approval.
    const eve = await signIn(desk, ['risk_officer'], { name: 'Eve Shared' });
    await openRequest(eve.page, filed.id);
    await fillApprove(eve.page, REASON, 'Cleo Cosigner');
    await signInOnSameBrowser(desk, eve.context, ada.op);
    await eve.page.getByRole('button', { name: 'Approve and request co-sign' }).click();
    await formError(eve).filter({ hasText: 'You filed this request, so you cannot decide it' }).waitFor();
    expect(await eve.page.locator('.form-error:focus').count()).toBe(1);
    expect(await eve.page.getByLabel('Reason for approving').inputValue()).toBe(REASON);
    await statusOf(eve.page).filter({ hasText: 'Pending' }).waitFor(); // nothing was decided
    // The page catches up with who is really signed in: Ada, who sees why she cannot decide it.
    await eve.page.getByTestId('signed-in-as').filter({ hasText: 'Ada Requester' }).waitFor();
    await eve.page.getByTestId('viewer-notice').filter({ hasText: 'You filed this request' }).waitFor();
    expect(await eve.page.getByRole('button', { name: 'Approve and request co-sign' }).isDisabled()).toBe(
      true,
    );
    await screenshot(eve.page, 'approval-refused-self');
    await eve.context.close();
    expect(desk.consoleErrors).toEqual([]);
  });

  it('NOT_NAMED_SECONDARY: only the named co-signer sees Co-sign; a co-sign from their tab by someone else is refused', async () => {
    const filed = await fileFlagSet(ada, true, 'Third pilot');
    await approveInEngine(desk, filed.id, ben.op, cleo.op);

    // Dora may co-sign flag.set requests but was not named: no Co-sign form, and she is told who is.
    await openRequest(dora.page, filed.id);
    await dora.page
      .getByTestId('viewer-notice')
      .filter({ hasText: 'waits for Cleo Cosigner to co-sign' })
      .waitFor();
    expect(await dora.page.getByRole('heading', { name: 'Co-sign' }).count()).toBe(0);
    await dora.page.getByRole('heading', { name: 'Reject' }).waitFor(); // she may still reject it

    // Forced: Finn, named on another request, has its co-sign form open with a comment typed; Dora
    // then signs in on the same workstation (as above), and the click on Finn's tab carries her session.
    const shared = await signIn(desk, ['platform_admin'], { name: 'Finn Cosigner' });
    await withdrawTurnOn();
    const named = await fileFlagSet(ada, true, 'Fourth pilot');
    await approveInEngine(desk, named.id, ben.op, shared.op);
    await openRequest(shared.page, named.id);
    await shared.page.getByRole('heading', { name: 'Co-sign' }).waitFor();
    await shared.page.getByLabel('Your reason for co-signing').fill('Looks right to me');
    await signInOnSameBrowser(desk, shared.context, dora.op);
    await shared.page.getByRole('button', { name: 'Co-sign and apply' }).click();
    await formError(shared)
      .filter({ hasText: 'Only the operator the primary approver named may co-sign this request.' })
      .waitFor();
    expect(await shared.page.getByLabel('Your reason for co-signing').inputValue()).toBe('Looks right to me');
    await statusOf(shared.page).filter({ hasText: 'Awaiting co-sign' }).waitFor();
    await shared.page.getByTestId('signed-in-as').filter({ hasText: 'Dora Admin' }).waitFor();
    await shared.page
      .getByTestId('viewer-notice')
      .filter({ hasText: 'waits for Finn Cosigner to co-sign' })
      .waitFor();
    expect(await shared.page.getByRole('button', { name: 'Co-sign and apply' }).isDisabled()).toBe(true);
    await screenshot(shared.page, 'approval-refused-not-named');
    await shared.context.close();
    expect(desk.consoleErrors).toEqual([]);
  });

  it('ALREADY_DECIDED: decided in another tab meanwhile; the refusal shows and the page refreshes to the decided state', async () => {
    const filed = await fileFlagSet(ada, true, 'Fifth pilot');
    // Tab 1 is live. Tab 2's live stream has stalled (a laptop back from sleep, a proxy buffering
    // the event stream): it will not hear about the decision, as if the operator were faster than it.
    await openRequest(ben.page, filed.id);
    const stale = await ben.context.newPage();
    await stale.route('**/api/events', () => undefined); // never answered: the stream stays silent
    await openRequest(stale, filed.id);
    await fillApprove(stale, REASON, 'Cleo Cosigner');

    await ben.page.getByLabel('Justification for rejecting').fill('Not during the quarter-end freeze');
    await ben.page.getByRole('button', { name: 'Reject request' }).click();
    await statusOf(ben.page).filter({ hasText: 'Rejected' }).waitFor();
    expect(await statusOf(stale).textContent()).toBe('Pending'); // tab 2 still shows the old state

    await stale.getByRole('button', { name: 'Approve and request co-sign' }).click();
    await stale
      .locator('.form-error')
      .filter({ hasText: 'This request is already rejected. Someone decided this request meanwhile.' })
      .waitFor();
    await statusOf(stale).filter({ hasText: 'Rejected' }).waitFor(); // refreshed without the live stream
    await stale
      .getByRole('region', { name: 'Decisions so far' })
      .getByText('Not during the quarter-end freeze')
      .waitFor();
    expect(await stale.getByLabel('Reason for approving').inputValue()).toBe(REASON);
    expect(await stale.getByRole('button', { name: 'Approve and request co-sign' }).isDisabled()).toBe(true);
    await screenshot(stale, 'approval-refused-already-decided');
    await stale.close();
    expect(desk.consoleErrors).toEqual([]);
  });

  it('EXPIRED: the request ran out of time while the approver was writing', async () => {
    const filed = await fileFlagSet(ada, true, 'Sixth pilot');
    await openRequest(ben.page, filed.id);
    await fillApprove(ben.page, REASON, 'Cleo Cosigner');
    await expireRequest(desk, filed.id); // no event: the expiry job has not run yet

    await ben.page.getByRole('button', { name: 'Approve and request co-sign' }).click();
    await ben.page
      .locator('.form-error')
      .filter({ hasText: /This request expired at .*; file a new one\./ })
      .waitFor();
    await statusOf(ben.page).filter({ hasText: 'Expired' }).waitFor();
    await ben.page.getByTestId('history').getByText('Expired').waitFor();
    expect(await ben.page.getByLabel('Reason for approving').inputValue()).toBe(REASON);
    expect(await ben.page.getByRole('button', { name: 'Approve and request co-sign' }).isDisabled()).toBe(
      true,
    );
    await screenshot(ben.page, 'approval-refused-expired');
    expect(desk.consoleErrors).toEqual([]);
  });
  it('STALE_REQUEST: a co-sign on a change that another request already made is refused, and the request shows as failed', async () => {
    // Two requests to change the same policy (settlement.requeue's TTL to two different values: two
    // identical open ones are refused as duplicates), both approved naming Cleo. The first one's co-sign
    // changes the policy; the second, co-signed from a page opened before that, no longer applies.
    const policy = (ttlSeconds: number, note: string) =>
      fileRequest(
        ada,
        'policy.set',
        {
          kind: 'settlement.requeue',
          primaryRoles: ['ops_approver', 'risk_officer'],
          secondaryRoles: ['risk_officer'],
          ttlSeconds,
          tiers: [],
        },
        note,
      );
    const first = await policy(7200, 'Requeues wait two hours');
    const second = await policy(5400, 'Requeues wait ninety minutes');
    await approveInEngine(desk, first.id, ben.op, cleo.op);
    await approveInEngine(desk, second.id, ben.op, cleo.op);
    await openRequest(cleo.page, second.id);
    await cleo.page.getByLabel('Your reason for co-signing').fill('Go ahead, policy reviewed');
    const stepUpUntil = new Date(desk.clock.now().getTime() + 60_000);
    await desk.t.desk.services.approvals.cosign(
      first.id,
      { reason: 'Policy reviewed, first ask' },
      {
        operatorId: cleo.op.id,
        stepUpUntil,
        audit: { actorType: 'operator', actorId: cleo.op.id, requestId: 'e2e-setup' },
      },
    );

    await cleo.page.getByRole('button', { name: 'Co-sign and apply' }).click();
    await formError(cleo).filter({ hasText: 'The change could not be applied' }).waitFor();
    await statusOf(cleo.page).filter({ hasText: 'Failed' }).waitFor();
    await cleo.page
      .getByRole('region', { name: 'Decisions so far' })
      .getByText(/changed since the request was filed|changed meanwhile/)
      .waitFor();
    expect(await cleo.page.getByLabel('Your reason for co-signing').inputValue()).toBe(
      'Go ahead, policy reviewed',
    );
    expect(desk.consoleErrors).toEqual([]);
  });
});
