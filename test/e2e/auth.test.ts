import type { Page } from 'playwright-core';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../src/operators/operators.totp.js';
import { newOperator } from '../support/factories.js';
import {
  focused,
  LAPTOP,
  screenshot,
  signIn,
  startConsoleDesk,
  watchConsole,
  type ConsoleDesk,
} from './support/browser.js';

/** The QR code's modules (dark = true), row by row, as the console draws it (margin 1, 220 px). */
function qrModules(text: string): boolean[][] {
  const { modules } = QRCode.create(text, {});
  return Array.from({ length: modules.size }, (_, r) =>
    Array.from({ length: modules.size }, (_, c) => Boolean(modules.get(r, c))),
  );
}

/**
 * The modules read back from the QR image on the page: each module's centre pixel, dark or light.
 * The scale comes from the image itself (the finder pattern's first dark run is 7 modules wide). A
 * string, because it runs in the page (the tests are compiled without the DOM's types).
 */
const READ_QR = `(async () => {
  const img = document.querySelector('img[alt^="QR code"]');
  await img.decode();
  const width = img.naturalWidth;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = width;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const pixels = ctx.getImageData(0, 0, width, width).data;
  const dark = (x, y) => pixels[(y * width + x) * 4] < 128;
  let top = 0;
  while (!dark(top, top)) top++;
  let run = 0;
  while (dark(top + run, top)) run++;
  const scale = run / 7;
  const count = Math.round((width - 2 * top) / scale);
  return Array.from({ length: count }, (_, r) => Array.from({ length: count }, (_, c) => dark(Math.floor(top + (c + 0.5) * scale), Math.floor(top + (r + 0.5) * scale))));
})()`;

const qrModulesShown = (page: Page) => page.evaluate<boolean[][]>(READ_QR);

describe('console: setup, sign-in, MFA enrolment, header', () => {
  let desk: ConsoleDesk;
  beforeAll(async () => {
    desk = await startConsoleDesk({ configuredPort: true }); // so the setup link it prints is where it serves
  });
  afterAll(() => desk.close());

  it('first run: the setup link creates the first platform admin', async () => {
    // The very link the desk prints at start (src/main/run.ts), opened as it is.
    const url = await desk.t.desk.services.operators.ensureSetupToken();
    if (!url) throw new Error('the desk printed no setup link');
    const context = await desk.browser.newContext({ viewport: LAPTOP });
    const page = await context.newPage();
    watchConsole(desk, page);
    await page.goto(url);
    await page.getByLabel('Name').fill('First Admin');
    await page.getByLabel('Email').fill('first.admin@desk.test');
    await page.getByLabel(/^Password/).fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    // Refused once, next to the password, which gets the focus and is marked invalid; what was typed stays.
    const password = page.getByLabel(/^Password/);
    await expect
      .poll(() => page.locator('#setup-password-error').textContent())
      .toBe('must be at least 12 characters');
    await expect.poll(() => focused(page)).toBe('setup-password');
    expect(await password.getAttribute('aria-invalid')).toBe('true');
    expect((await password.getAttribute('aria-describedby'))?.split(' ')).toContain('setup-password-error');
    expect(await page.locator('.form-error').count()).toBe(0);
    expect(await page.getByText(/is invalid/).count()).toBe(0);
    expect(await page.getByLabel('Name').inputValue()).toBe('First Admin');
    await screenshot(page, 'setup-refused');
    await page.getByLabel(/^Password/).fill('a long enough password');
    await page.getByRole('button', { name: 'Create account' }).click();
    // Signed in with the password just chosen, on to enrol MFA and then the founding team (first-run.test.ts).
    await page.waitForURL(/\/mfa\?next=%2Ffounding-team$/);
    await page.getByRole('heading', { name: 'Enrol your authenticator app' }).waitFor();
    await screenshot(page, 'setup-done');
    await context.close();
  });

  it('an operator without MFA signs in, enrols with the QR code, and lands on the console', async () => {
    const op = await newOperator(
      { desk: desk.t.desk, clock: desk.clock },
      { roles: ['risk_officer'], mfa: false, name: 'Rita Risk' },
    );
    const context = await desk.browser.newContext({ baseURL: desk.base, viewport: LAPTOP });
    const page = await context.newPage();
    watchConsole(desk, page);
    await page.goto('/');
    await page.getByLabel('Email').fill(op.email);
    await page.getByLabel('Password').fill('wrong password entirely');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /not accepted/ })
      .waitFor();
    await screenshot(page, 'login-refused');
    await page.getByLabel('Password').fill(op.password);
    const enrolment = page.waitForResponse(
      (r) => r.url().endsWith('/api/auth/mfa/enroll') && r.status() === 200,
    );
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('img', { name: /QR code/ }).waitFor();
    const secret = (await page.getByTestId('mfa-secret').textContent()) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]+=*$/);
    // The QR code shown encodes the desk's otpauth URL for this secret: every module read from the
    // image in the browser matches the code computed here for that URL.
    const { otpauthUrl } = (await (await enrolment).json()) as { otpauthUrl: string };
    expect(new URL(otpauthUrl).searchParams.get('secret')).toBe(secret);
    expect(await qrModulesShown(page)).toEqual(qrModules(otpauthUrl));
    await screenshot(page, 'mfa-enrol');
    await page.getByLabel('Code from the app').fill(totpCodeAt(secret, desk.clock.now()));
    await page.getByRole('button', { name: 'Confirm' }).click();

    await page.getByTestId('signed-in-as').filter({ hasText: 'Rita Risk' }).waitFor();
    await page.getByTestId('auto-settlement').filter({ hasText: 'AUTO_SETTLEMENT OFF' }).waitFor(); // its own query: wait for it
    await screenshot(page, 'header');

    // sign out, then in again with a TOTP code
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the ops console' }).waitFor();
    desk.clock.advance(30_000);
    await page.getByLabel('Email').fill(op.email);
    await page.getByLabel('Password').fill(op.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .locator('#totp-error')
      .filter({ hasText: 'Enter the 6-digit code from your authenticator app' })
      .waitFor();
    await expect.poll(() => focused(page)).toBe('totp');
    expect(await page.locator('.form-error').count()).toBe(0);
    await screenshot(page, 'login-totp');
    await page.locator('#totp').fill(totpCodeAt(secret, desk.clock.now()));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').waitFor();
    await context.close();
  });

  it('a signed-in operator sees their name, roles and AUTO_SETTLEMENT in the header', async () => {
    const user = await signIn(desk, ['ops_approver'], { name: 'Olga Ops' });
    await user.page.goto('/');
    await user.page.getByTestId('signed-in-as').filter({ hasText: 'Olga Ops' }).waitFor();
    expect(await user.page.locator('.roles').textContent()).toBe('Ops approver');
    expect(desk.consoleErrors).toEqual([]);
    await user.context.close();
  });
});
