import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../src/operators/operators.totp.js';
import { auditTrail } from '../support/audit.js';
import { BOT_INFO, RecordingTelegram, TEST_BOT_TOKEN } from '../support/telegram.js';
import {
  focused,
  screenshot,
  screenshotBoth,
  signIn,
  startConsoleDesk,
  type ConsoleDesk,
} from './support/browser.js';

describe('console: my account', () => {
  let desk: ConsoleDesk;
  const tg = new RecordingTelegram();
  beforeAll(async () => {
    // A desk with a Telegram bot that only sends (TELEGRAM_MODE=off): the link-code panel names it.
    desk = await startConsoleDesk({
      env: { TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN, TELEGRAM_MODE: 'off' },
      telegram: { botInfo: BOT_INFO, configureApi: tg.install },
    });
  });
  afterAll(() => desk.close());

  it('changes the password: a wrong current password is refused next to its field, then it works', async () => {
    const { page, context, op } = await signIn(desk, ['ops_approver'], { name: 'Omar Ops' });
    const elsewhere = await (desk.clock.advance(30_000), op.login());
    await page.goto('/');
    await page.getByTestId('signed-in-as').click();
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await screenshot(page, 'account');

    const current = page.getByLabel('Current password');
    const next = page.getByLabel('New password', { exact: true });
    await current.fill('not my password at all');
    await next.fill('a much longer new passphrase');
    await page.getByLabel('New password again').fill('a much longer new passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    const error = page.locator('#current-password-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('is not your current password');
    expect(await focused(page)).toBe('current-password');
    expect(await next.inputValue()).toBe('a much longer new passphrase');
    await screenshot(page, 'account-password-refused');

    // mismatched confirmation never leaves the browser
    await current.fill(op.password);
    await page.getByLabel('New password again').fill('something else entirely');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('#new-password-again-error').filter({ hasText: 'does not match' }).waitFor();

    await page.getByLabel('New password again').fill('a much longer new passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    const done = page.getByTestId('password-changed');
    await done.waitFor();
    expect(await done.textContent()).toMatch(
      /Your password was changed\. \d+ other sessions? (was|were) signed out\./,
    );
    expect(await current.inputValue()).toBe('');
    // this browser stays signed in; the other session does not
    await page.reload();
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    expect(
      (await desk.t.app.inject({ method: 'GET', url: '/api/me', headers: elsewhere.bearer })).statusCode,
    ).toBe(401);
    desk.clock.advance(30_000);
    const login = await desk.t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: op.email, password: 'a much longer new passphrase', totp: op.totp() },
    });
    expect(login.statusCode).toBe(200);
    expect(desk.consoleErrors).toEqual([]);
    await context.close();
  });

  it('gets a Telegram link code with its expiry and the /link instruction; the bot accepting it shows as linked', async () => {
    const { page, context, op } = await signIn(desk, ['auditor'], { name: 'Tia Telegram' });
    await page.goto('/account');
    await page.getByTestId('telegram-status').filter({ hasText: 'Not linked yet' }).waitFor();
    const asked = Date.now();
    await page.getByRole('button', { name: 'Get a link code' }).click();
    const box = page.getByTestId('telegram-code');
    await box.waitFor();
    const text = (await box.textContent()) ?? '';
    const read = Date.now();
    const code = /\/link ([A-Z2-9]{8})/.exec(text)?.[1] ?? '';
    expect(code).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);
    // The code lives 10 minutes on the server's clock, which earlier tests moved ahead by whole TOTP steps.
    // The browser counts down on the real clock (its "now" ticks each second, rounded to the second), somewhere
    // between asking and reading: what it shows lies between the minutes left at those two moments.
    const expires = desk.clock.now().getTime() + 10 * 60_000;
    const shown = Number(/within (\d+) min/.exec(text)?.[1]);
    expect(text).toMatch(/Send this message to @desk_test_bot in Telegram within \d+ min/);
    expect(await box.getByRole('link', { name: '@desk_test_bot' }).getAttribute('href')).toBe(
      'https://t.me/desk_test_bot',
    );
    expect(shown).toBeGreaterThanOrEqual(Math.floor((expires - read) / 60_000));
    expect(shown).toBeLessThanOrEqual(Math.floor((expires - asked + 1_500) / 60_000));
    expect(text).toMatch(/expires at/);
    await screenshotBoth(page, 'account-telegram-code');

    // what the bot does on "/link CODE"
    await desk.t.desk.services.account.consumeTelegramLinkCode(code, 424242);
    await page.reload();
    await page
      .getByTestId('telegram-status')
      .filter({ hasText: 'Your Telegram account is linked' })
      .waitFor();
    const row = await desk.t.database.db
      .selectFrom('operators')
      .select('telegram_user_id')
      .where('id', '=', op.id)
      .executeTakeFirstOrThrow();
    expect(row.telegram_user_id).toBe('424242');
    expect(desk.consoleErrors).toEqual([]);
    await context.close();
  });

  it('re-enrols the authenticator after the step-up dialog', async () => {
    const { page, context, op } = await signIn(desk, ['risk_officer'], { name: 'Mia Mfa' });
    await sql`update operator_sessions set step_up_until = ${new Date(desk.clock.now().getTime() - 1000)} where operator_id = ${op.id}`.execute(
      desk.t.database.db,
    );
    await page.goto('/account');
    await page.getByRole('button', { name: 'Re-enrol my authenticator…' }).click();
    await page.getByRole('button', { name: 'Start re-enrolment' }).click();
    const stepUp = page.getByRole('dialog', { name: 'Confirm it is you' });
    await stepUp.waitFor();
    desk.clock.advance(30_000);
    await stepUp.getByLabel('Authenticator code').fill(op.totp()); // the step after the current one
    await stepUp.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('img', { name: /QR code/ }).waitFor();
    const secret = (await page.getByTestId('mfa-secret').textContent()) ?? '';
    await screenshot(page, 'account-mfa-reenrol');
    // the step-up spent the next step, and used steps are per operator whatever the secret: move past it
    desk.clock.advance(60_000);
    await page.getByLabel('Code from the app').fill(totpCodeAt(secret, desk.clock.now()));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL(/\/approvals/);
    const events = await auditTrail(desk.t, { entityId: op.id, action: 'auth.mfa_reenrolled' });
    expect(events).toHaveLength(1);
    expect(desk.consoleErrors).toEqual([]);
    await context.close();
  });
});
