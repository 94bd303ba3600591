import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';
import type { Role } from '../../../src/shared/roles.js';
import { fixedClock } from '../../../src/shared/clock.js';
import { newOperator, type TestOperator } from '../../support/factories.js';
import { buildTestServer, type TestServer, type TestServerOptions } from '../../support/server.js';
import { trackWhileOpen } from '../../support/open-handles.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve(import.meta.dirname, '../screenshots');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ConsoleDesk {
  t: TestServer;
  base: string;
  browser: Browser;
  /** The server's clock: fixed at the real time, advanced by tests that need fresh TOTP steps or expiry. */
  clock: ReturnType<typeof fixedClock>;
  /** Console errors seen in any page: a test should end with none. */
  consoleErrors: string[];
  close: () => Promise<void>;
}

/**
 * The real desk (HTTP API + the built console from web/dist) on a random port, with a fresh database,
 * and a real Chromium. One per test file. `env` and `prepare` (paper hot wallets funded) are for the
 * settlement screens. `configuredPort` gives the desk its port through its config (HOST/PORT), as
 * `npm start` does, so the URLs it prints (the setup link) are the ones it serves.
 */
export async function startConsoleDesk(
  opts: {
    env?: Record<string, string>;
    prepare?: boolean;
    configuredPort?: boolean;
    /** A Telegram bot for the desk (see test/support/telegram.ts): its getMe answer and a fake API. */
    telegram?: TestServerOptions['telegram'];
  } = {},
): Promise<ConsoleDesk> {
  const buildError = inject('consoleBuildError');
  if (buildError) throw new Error(buildError); // see test/support/global-setup.ts
  if (!fs.existsSync(CHROMIUM))
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (.ci/run does this)`,
    );
  const clock = fixedClock(new Date());
  const port = opts.configuredPort ? await freePort() : 0;
  const env = { ...(opts.configuredPort ? { HOST: '127.0.0.1', PORT: String(port) } : {}), ...opts.env };
  const t = await buildTestServer({
    clock,
    env,
    ...(opts.prepare ? { prepare: true } : {}),
    ...(opts.telegram ? { telegram: opts.telegram } : {}),
  });
  let base: string;
  let browser: Browser;
  try {
    base = await t.app.listen({ host: '127.0.0.1', port });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  } catch (err) {
    await t.close(); // nothing was handed to the test to close yet
    throw err;
  }
  trackWhileOpen('startConsoleDesk(): Chromium; close() closes it', () => browser.isConnected());
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    t,
    base,
    browser,
    clock,
    consoleErrors: [],
    close: async () => {
      await browser.close();
      await t.close();
    },
  };
}

/** A port free right now, asked of the OS (the desk takes it immediately after). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** The laptop screen the console is checked on (readable at 1366 px wide). */
export const LAPTOP = { width: 1366, height: 860 };

export interface ConsoleUser {
  op: TestOperator;
  context: BrowserContext;
  page: Page;
}

/** An operator signed in to the console in their own browser context (as a separate person would be). */
export async function signIn(
  desk: ConsoleDesk,
  roles: Role[],
  opts: { name?: string } = {},
): Promise<ConsoleUser> {
  const op = await newOperator(
    { desk: desk.t.desk, clock: desk.clock },
    { roles, ...(opts.name ? { name: opts.name } : {}) },
  );
  const session = await op.login();
  const context = await desk.browser.newContext({ baseURL: desk.base, viewport: LAPTOP });
  const url = new URL(desk.base);
  await context.addCookies([
    {
      name: 'desk_session',
      value: session.token,
      domain: url.hostname,
      path: '/',
      httpOnly: true,
      sameSite: 'Strict',
    },
    { name: 'desk_csrf', value: session.csrfToken, domain: url.hostname, path: '/', sameSite: 'Strict' },
    {
      name: 'desk_refresh',
      value: session.refreshToken,
      domain: url.hostname,
      path: '/api/auth/refresh',
      httpOnly: true,
      sameSite: 'Strict',
    },
  ]);
  const page = await context.newPage();
  watchConsole(desk, page);
  return { op, context, page };
}

export function watchConsole(desk: ConsoleDesk, page: Page) {
  // Fail with Playwright's own message (what it waited for) well before the test's timeout.
  page.setDefaultTimeout(8_000);
  page.on('console', (msg) => {
    // A refused API call shows in the console as a failed resource load: that is the API working, not a bug.
    if (
      msg.type() === 'error' &&
      !/Failed to load resource: the server responded with a status of (4\d\d)/.test(msg.text())
    )
      desk.consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => desk.consoleErrors.push(err.message));
}

/** The focused element's id, or its text when it has none (the console runs in the page, not in Node). */
export const focused = (page: Page) =>
  page.evaluate<string>(
    'document.activeElement ? (document.activeElement.id || document.activeElement.textContent || "") : ""',
  );

/** The phone the ops approver opens a Telegram alert link on. */
export const PHONE = { width: 390, height: 844 };
/** The wide desktop screen. */
export const DESKTOP = { width: 1440, height: 900 };

/**
 * The page at 390 px and at 1440 px, `<name>-390.png` and `<name>-1440.png`, then back to the
 * viewport it had. Also fails when the page is wider than the screen (something sticks out).
 */
export async function screenshotBoth(page: Page, name: string) {
  const before = page.viewportSize();
  for (const size of [PHONE, DESKTOP]) {
    await page.setViewportSize(size);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${size.width}.png`), fullPage: true });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    if (overflow > 1) throw new Error(`${name} at ${size.width} px is ${overflow} px wider than the screen`);
  }
  if (before) await page.setViewportSize(before);
}

export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
