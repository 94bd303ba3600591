import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileFlagRequest, person } from '../support/approvals.js';
import { screenshot, signIn, startConsoleDesk, type ConsoleDesk } from './support/browser.js';

const PHONE = { width: 390, height: 844 };
const WIDE = { width: 1440, height: 900 };

describe('console: alerts', () => {
  let desk: ConsoleDesk;
  const evaluate = async (times: number, ms: number) => {
    for (let i = 0; i < times; i++) {
      desk.clock.advance(ms);
      await desk.t.desk.services.alerts.evaluator.cycle();
    }
  };

  beforeAll(async () => {
    desk = await startConsoleDesk({
      env: {
        ALERT_WORKER_DOWN_THRESHOLD: '60',
        ALERT_WORKER_DOWN_FOR: '60',
        ALERT_APPROVALS_WAITING_TOO_LONG_THRESHOLD: '60',
        ALERT_APPROVALS_WAITING_TOO_LONG_FOR: '600',
        ALERTS_SILENCE_MAX_CRITICAL_MINUTES: '60',
        STEP_UP_MINUTES: '600',
      },
    });
    await desk.t.desk.prepare();
    await desk.t.desk.services.alerts.service.heartbeat('e2e');
    // A request waits (pending for 10 minutes before it fires) and no worker beats (fires after a minute).
    await fileFlagRequest(desk.t, await person(desk.t, ['risk_officer']));
    await evaluate(10, 15_000);
  });
  afterAll(() => desk.close());

  it('shows what fires, what is pending and every rule, with the count in the header, on a phone and a wide screen', async () => {
    const { page, context } = await signIn(desk, ['platform_admin'], { name: 'Pia Platform' });
    await page.setViewportSize(WIDE);
    await page.goto('/alerts');
    await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
    const badge = page.getByTestId('alerts-firing-count');
    expect(await badge.textContent()).toBe('1 ALERT FIRING');
    expect(await page.getByTestId('auto-settlement').isVisible()).toBe(true);
    const firing = page.getByTestId('alerts-firing');
    expect(await firing.locator('li').count()).toBe(1);
    const card = firing.getByTestId('alert-worker_down');
    expect(await card.textContent()).toMatch(
      /critical.*worker_down.*No worker has reported in.*threshold > 60 s/,
    );
    expect(
      await page.getByTestId('alerts-pending').getByTestId('alert-approvals_waiting_too_long').count(),
    ).toBe(1);
    expect(await page.getByTestId('alert-rules').locator('tbody tr').count()).toBe(
      desk.t.desk.services.alerts.rules.all().length,
    );
    await screenshot(page, 'alerts-1440');

    await page.setViewportSize(PHONE);
    await page.waitForTimeout(100);
    // Nothing wider than the phone: the cards wrap, the rules table scrolls inside its own box.
    await screenshot(page, 'alerts-390');
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);

    // Live: the pending one fires; the header and the page follow without a reload.
    await evaluate(40, 15_000);
    await page.getByTestId('alerts-firing-count').filter({ hasText: '2 ALERTS FIRING' }).waitFor();
    await page.getByTestId('alerts-firing').getByTestId('alert-approvals_waiting_too_long').waitFor();
    expect(desk.consoleErrors).toEqual([]);
    await context.close();
  });

  it('the owner silences a critical rule within the maximum, told at the field when it is too long', async () => {
    const { page, context } = await signIn(desk, ['platform_admin'], { name: 'Sam Silencer' });
    await page.setViewportSize(WIDE);
    await page.goto('/alerts');
    const card = page.getByTestId('alerts-firing').getByTestId('alert-worker_down');
    await card.getByRole('button', { name: 'Silence…' }).click();
    const form = card.getByRole('form', { name: 'Silence worker_down' });
    await form.getByLabel('For how long').selectOption({ label: '2 hours' });
    await form.getByLabel('Why').fill('Moving the workers to the new hosts');
    await form.getByRole('button', { name: 'Silence' }).click();
    const fieldError = form.locator('#silence-worker_down-minutes-error');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toBe('must be at most 60 minutes for a critical rule');
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe(
      'silence-worker_down-minutes',
    );
    await screenshot(page, 'alerts-silence-refused-1440');

    await form.getByLabel('For how long').selectOption({ label: '1 hour' });
    await form.getByRole('button', { name: 'Silence' }).click();
    const silenced = page.getByTestId('alerts-silenced').getByTestId('alert-worker_down');
    await silenced.waitFor();
    expect(await silenced.textContent()).toContain('“Moving the workers to the new hosts”');
    await page.setViewportSize(PHONE);
    await screenshot(page, 'alerts-silenced-390');

    await silenced.getByRole('button', { name: 'Lift silence' }).click();
    await page.getByTestId('alerts-silenced-empty').waitFor();
    expect(desk.consoleErrors).toEqual([]);
    await context.close();
  });

  it('someone without the owner role sees the owner instead of a silence button; history filters; the runbook opens', async () => {
    const { page, context } = await signIn(desk, ['ops_approver'], { name: 'Olga Ops' });
    await page.setViewportSize(WIDE);
    await page.goto('/alerts');
    const card = page.getByTestId('alerts-firing').getByTestId('alert-worker_down');
    await card.waitFor();
    expect(await card.getByRole('button', { name: 'Silence…' }).count()).toBe(0);
    expect(await card.textContent()).toContain('owner: Platform');

    const history = page.getByTestId('alert-history');
    await history.waitFor();
    await page.getByLabel('Rule', { exact: true }).selectOption('worker_down');
    // Rows shown, and every one of them the chosen rule's (an empty table while it loads passes no wait).
    // Polled from the test, not in the page: the console's CSP forbids evaluating strings there.
    await expect
      .poll(async () => {
        const rules = await history.locator('tbody tr code').allTextContents();
        return rules.length > 0 && rules.every((r) => r === 'worker_down');
      })
      .toBe(true);
    expect(await history.locator('tbody tr').allTextContents()).toEqual([
      expect.stringMatching(/worker_down.*pending → firing/),
      expect.stringMatching(/worker_down.*inactive → pending/),
    ]);
    await screenshot(page, 'alerts-history-1440');

    await card.getByRole('link', { name: 'Runbook' }).click();
    await page.getByRole('heading', { name: 'Runbook: worker_down', level: 1 }).waitFor();
    expect(await page.getByTestId('runbook').textContent()).toContain('First checks');
    await page.setViewportSize(PHONE);
    await screenshot(page, 'alerts-runbook-390');
    expect(desk.consoleErrors).toEqual([]);
    await context.close();
  });
});
