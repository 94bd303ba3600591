import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Route } from 'playwright-core';
import {
  screenshot,
  signIn,
  startConsoleDesk,
  type ConsoleDesk,
  type ConsoleUser,
} from './support/browser.js';
import { fileFlagSet } from './support/approvals.js';

/**
 * The live stream (/api/events) after it drops: the desk does not replay missed events, so the
 * console refreshes its queries when the stream comes back (web/src/app/live.ts).
 */
describe('console: live updates after the event stream reconnects', () => {
  let desk: ConsoleDesk;
  let ada: ConsoleUser; // files the request while Ben's stream is down
  let ben: ConsoleUser; // watches the queue

  beforeAll(async () => {
    desk = await startConsoleDesk();
    ada = await signIn(desk, ['risk_officer'], { name: 'Ada Requester' });
    ben = await signIn(desk, ['risk_officer'], { name: 'Ben Approver' });
  });
  afterAll(() => desk.close());

  it('a request filed while the stream was down appears once it reconnects, without a reload', async () => {
    // His stream must be open before it is dropped: the queue can render before the browser connects.
    const streamOpen = ben.page.waitForResponse((r) => r.url().endsWith('/api/events') && r.status() === 200);
    await ben.page.goto('/approvals');
    await ben.page.getByTestId('queue-empty').waitFor();
    await streamOpen;
    await ben.page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));

    // From now on the browser's attempts to reconnect hang (a proxy that stopped answering).
    const held: Route[] = [];
    await ben.page.route('**/api/events', (route) => void held.push(route));
    // Drop Ben's stream: the desk keeps one stream per session, so opening another one closes his.
    const cookie = (await ben.context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const other = new AbortController();
    const res = await fetch(`${desk.base}/api/events`, { headers: { cookie }, signal: other.signal });
    expect(res.status).toBe(200);
    // ": connected" comes once the new stream has announced itself, which is what ends Ben's.
    await (res.body as ReadableStream<Uint8Array>).getReader().read();
    other.abort();
    await expect.poll(() => held.length, { timeout: 10_000 }).toBeGreaterThan(0); // the browser is trying to reconnect

    // Filed while Ben hears nothing: its event is gone for good.
    await fileFlagSet(ada, true);

    // The network comes back: the held attempt goes through, and the queue catches up.
    for (const route of held.splice(0)) await route.continue();
    await ben.page.unroute('**/api/events');
    const row = ben.page.getByTestId('approval-row').filter({ hasText: 'Turn AUTO_SETTLEMENT on' });
    await row.waitFor();
    await row.filter({ hasText: 'Ada Requester' }).waitFor();
    expect(
      await ben.page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded),
    ).toBe(true);
    await screenshot(ben.page, 'approvals-queue-after-reconnect');
    expect(desk.consoleErrors).toEqual([]);
  });

  it('a session ended elsewhere: the idle console notices through its stream and shows the sign-in page', async () => {
    const cleo = await signIn(desk, ['risk_officer'], { name: 'Cleo Idle' });
    await cleo.page.goto('/approvals');
    await cleo.page.getByTestId('signed-in-as').filter({ hasText: 'Cleo Idle' }).waitFor();
    // She signs out in another tab (the same session, revoked on the desk): the desk ends her stream,
    // and its reconnection is refused. Nobody touches this page.
    const cookies = await cleo.context.cookies();
    const res = await fetch(`${desk.base}/api/auth/logout`, {
      method: 'POST',
      headers: {
        cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
        'x-csrf-token': cookies.find((c) => c.name === 'desk_csrf')?.value ?? '',
      },
    });
    expect(res.status).toBeLessThan(300);
    await cleo.page.getByRole('heading', { name: 'Sign in to the ops console' }).waitFor({ timeout: 15_000 });
    expect(desk.consoleErrors).toEqual([]);
  });
});
