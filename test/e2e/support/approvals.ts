import { sql } from 'kysely';
import type { BrowserContext, Page } from 'playwright-core';
import type { TestOperator } from '../../support/factories.js';
import { watchConsole, type ConsoleDesk, type ConsoleUser } from './browser.js';

/** Helpers for the approvals console tests (test/e2e/approvals*.test.ts). */

export const REASON = 'Checked the runbook and the pilot plan with treasury';

export interface Filed {
  id: string;
  digest: string;
  status: string;
}

/** Files a change request through the public API with the operator's own console session (cookie + CSRF). */
export async function fileRequest(
  user: ConsoleUser,
  kind: string,
  payload: unknown,
  note?: string,
): Promise<Filed> {
  const csrf = (await user.context.cookies()).find((c) => c.name === 'desk_csrf')?.value ?? '';
  const res = await user.page.request.post('/api/approvals', {
    data: { kind, payload, ...(note ? { note } : {}) },
    headers: { 'x-csrf-token': csrf },
  });
  if (res.status() !== 201) throw new Error(`filing ${kind} failed: ${res.status()} ${await res.text()}`);
  return (await res.json()) as Filed;
}

export const fileFlagSet = (
  user: ConsoleUser,
  enabled: boolean,
  note = 'Pilot with two desks starts Monday',
) => fileRequest(user, 'flag.set', { key: 'AUTO_SETTLEMENT', enabled }, note);

/** A primary approval taken directly in the engine (setup for tests about the co-sign step). */
export async function approveInEngine(
  desk: ConsoleDesk,
  requestId: string,
  primary: TestOperator,
  secondary: TestOperator,
) {
  const stepUpUntil = new Date(desk.clock.now().getTime() + 60_000);
  await desk.t.desk.services.approvals.approve(
    requestId,
    { reason: REASON, secondaryApproverId: secondary.id },
    {
      operatorId: primary.id,
      stepUpUntil,
      audit: { actorType: 'operator', actorId: primary.id, requestId: 'e2e-setup' },
    },
  );
}

/** Closes the operator's step-up window, at the desk's own (fixed) clock, so the next decision asks for a code. */
export async function expireStepUp(desk: ConsoleDesk, operatorId: string) {
  const past = new Date(desk.clock.now().getTime() - 1000);
  await sql`update operator_sessions set step_up_until = ${past} where operator_id = ${operatorId}`.execute(
    desk.t.database.db,
  );
}

/** Moves a request's expiry into the past (at the desk's clock) without any event: as if its time ran out. */
export async function expireRequest(desk: ConsoleDesk, requestId: string) {
  const past = new Date(desk.clock.now().getTime() - 60_000);
  await sql`update change_requests set expires_at = ${past} where id = ${requestId}`.execute(
    desk.t.database.db,
  );
}

/**
 * Someone else signs in on the same browser (a shared desk workstation): a new tab signs the current
 * operator out and signs `who` in with password and TOTP. Tabs already open keep rendering for the
 * operator who opened them until they reload, but their next call carries `who`'s session.
 */
export async function signInOnSameBrowser(
  desk: ConsoleDesk,
  context: BrowserContext,
  who: TestOperator,
): Promise<Page> {
  const tab = await context.newPage();
  watchConsole(desk, tab);
  await tab.goto('/approvals');
  await tab.getByRole('button', { name: 'Sign out' }).click();
  await tab.getByRole('heading', { name: 'Sign in to the ops console' }).waitFor();
  desk.clock.advance(30_000);
  await tab.getByLabel('Email').fill(who.email);
  await tab.getByLabel('Password').fill(who.password);
  await tab.locator('#totp').fill(who.totp());
  await tab.getByRole('button', { name: 'Sign in' }).click();
  await tab.getByTestId('signed-in-as').filter({ hasText: who.name }).waitFor();
  return tab;
}

/** The detail page of one request, ready (its heading shown). */
export async function openRequest(page: Page, id: string) {
  await page.goto(`/approvals/${id}`);
  await page.getByRole('heading', { level: 1 }).waitFor();
}

/** Fills the approve form: reason, and the co-signer picked from the drop-down by name. */
export async function fillApprove(page: Page, reason: string, cosigner: string | null) {
  await page.getByLabel('Reason for approving').fill(reason);
  const select = page.getByLabel('Co-signer (secondary approver)');
  await select
    .locator('option', { hasText: cosigner ?? 'Choose who co-signs' })
    .first()
    .waitFor({ state: 'attached' });
  if (cosigner) {
    const value = await select.locator('option', { hasText: cosigner }).first().getAttribute('value');
    await select.selectOption(value ?? '');
  }
}

/** The names in the co-signer drop-down (each option is "Name — roles · Telegram"). */
export async function cosignerChoices(page: Page): Promise<string[]> {
  const select = page.getByLabel('Co-signer (secondary approver)');
  await select.locator('option').nth(1).waitFor({ state: 'attached' });
  const texts = await select.locator('option').allTextContents();
  return texts.slice(1).map((t) => t.split(' — ')[0] ?? t);
}

/** The state the request shows on the page (the status chip in the Request card). */
export const statusOf = (page: Page) => page.getByTestId('request-status');
