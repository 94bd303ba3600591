import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type RequestBody } from '../support/approvals.js';
import {
  autoSettlementOn,
  bookTrade,
  clientDeposits,
  deskPeople,
  drainSettlements,
  SETTLEMENT_ENV,
  type Desk,
} from '../support/settlement.js';
import { REASON } from './support/approvals.js';
import { screenshot, signIn, startConsoleDesk, type ConsoleDesk } from './support/browser.js';

const rows = (page: Page) => page.getByTestId('flagged-row');
/** Each row's data attribute, top to bottom. */
const attrs = async (loc: ReturnType<Page['getByTestId']>, name: string) =>
  Promise.all((await loc.all()).map((row) => row.getAttribute(name)));
const tick = (page: Page, eventId: string) =>
  page.locator(`[data-event-id="${eventId}"] input[type=checkbox]`);

describe('console: settlements', () => {
  let desk: ConsoleDesk;
  let people: Desk;
  beforeAll(async () => {
    desk = await startConsoleDesk({ env: SETTLEMENT_ENV, prepare: true });
    people = await deskPeople(desk.t);
  });
  afterAll(() => desk.close());

  const db = () => desk.t.database.db;
  const eventOf = async (tradeId: string) =>
    (
      await db()
        .selectFrom('settlement_flagged_events')
        .select('id')
        .where('trade_id', '=', tradeId)
        .executeTakeFirstOrThrow()
    ).id;

  it('held-back fills are listed live; a requeue is refused inline while AUTO_SETTLEMENT is off, filed once it is on; co-signed and drained, the list turns confirmed live; the detail shows every step', async () => {
    const trades = [
      await bookTrade(desk.t, { usdt: 1500n, network: 'tron' }),
      await bookTrade(desk.t, { usdt: 2500n, network: 'ethereum' }),
      await bookTrade(desk.t, { usdt: 700n, side: 'sell' }),
    ];
    const { page, context } = await signIn(desk, ['ops_approver'], { name: 'Olga Ops' });
    await page.goto('/settlements');
    await page.getByRole('heading', { name: 'Settlements', level: 1 }).waitFor();
    await expect.poll(() => rows(page).count()).toBe(3);
    const first = page.locator(`[data-event-id="${await eventOf(trades[0]!.id)}"]`);
    // the client's name comes a moment after the row
    await first.filter({ hasText: 'Alice Example (Example Trading Ltd)' }).waitFor();
    const text = (await first.textContent()) ?? '';
    expect(text).toContain('Automatic settlement was off');
    expect(text).toContain('Client buys');
    expect(text).toContain('1,500 USDT');
    expect(text).toContain('Tron (TRC-20)');
    await expect.poll(() => page.getByTestId('tile-AUTO_SETTLEMENT_DISABLED').textContent()).toContain('3');
    expect(await page.getByTestId('tile-queued').textContent()).toContain('0');

    // a fill booked while the page is open appears without a reload
    const late = await bookTrade(desk.t, { usdt: 900n });
    await expect.poll(() => rows(page).count()).toBe(4);
    await expect.poll(() => page.getByTestId('tile-AUTO_SETTLEMENT_DISABLED').textContent()).toContain('4');
    await screenshot(page, 'settlements-flagged');

    // tick two and ask for a requeue: refused while AUTO_SETTLEMENT is off, nothing typed or ticked lost
    const chosen = [await eventOf(trades[0]!.id), await eventOf(trades[1]!.id)];
    for (const id of chosen) await tick(page, id).check();
    const note = page.getByLabel('Note for the approvers');
    await note.fill('Client confirmed both payout addresses by phone');
    await page.getByRole('button', { name: 'Request requeue of 2 events' }).click();
    const refusal = page.getByRole('form', { name: 'Request requeue' }).getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('AUTO_SETTLEMENT is off');
    expect(await page.getByTestId('turn-on-hint').getByRole('link').getAttribute('href')).toBe(
      '/flags/AUTO_SETTLEMENT',
    );
    expect(await note.inputValue()).toBe('Client confirmed both payout addresses by phone');
    for (const id of chosen) expect(await tick(page, id).isChecked()).toBe(true);
    expect(
      await db()
        .selectFrom('change_requests')
        .select('id')
        .where('kind', '=', 'settlement.requeue')
        .execute(),
    ).toEqual([]);
    await screenshot(page, 'settlements-requeue-refused');

    // a dismissal needs a reason: refused next to the field, in the server's words
    await page.getByRole('button', { name: 'Request dismissal of 2 events' }).click();
    const reasonError = page.locator('#dismiss-reason-error');
    await reasonError.waitFor();
    expect(await reasonError.textContent()).toContain('at least 10 visible characters');
    expect(await page.evaluate<string>('document.activeElement ? document.activeElement.id : ""')).toBe(
      'dismiss-reason',
    );
    await screenshot(page, 'settlements-dismiss-refused');

    // AUTO_SETTLEMENT on through a co-signed flag.set; the header follows live
    await autoSettlementOn(desk.t, people);
    await page.getByTestId('auto-settlement').filter({ hasText: 'AUTO_SETTLEMENT ON' }).waitFor();
    await page.getByRole('button', { name: 'Request requeue of 2 events' }).click();
    const filed = page.getByTestId('filed-request');
    await filed.waitFor();
    const href = (await filed.getByRole('link').getAttribute('href')) ?? '';
    expect(href).toMatch(/^\/approvals\/[0-9a-f-]{36}$/);
    const requestId = href.split('/').pop() ?? '';
    const request = await db()
      .selectFrom('change_requests')
      .select(['kind', 'payload', 'status', 'note'])
      .where('id', '=', requestId)
      .executeTakeFirstOrThrow();
    expect(request).toMatchObject({
      kind: 'settlement.requeue',
      status: 'pending',
      note: 'Client confirmed both payout addresses by phone',
    });
    expect([...(request.payload as { eventIds: string[] }).eventIds].sort()).toEqual([...chosen].sort());
    expect(await note.inputValue()).toBe('');
    // the rows say a requeue is requested, with a link to it
    await first.getByRole('link', { name: 'requeue requested' }).waitFor();
    await screenshot(page, 'settlements-requeue-filed');

    // the request page shows the approvers which trades they are deciding on
    await filed.getByRole('link').click();
    const targets = page.getByTestId('request-targets');
    await targets.filter({ hasText: '2,500 USDT' }).waitFor();
    expect(await targets.locator('tbody tr').count()).toBe(2);
    expect(await targets.textContent()).toContain('1,500 USDT');
    await screenshot(page, 'settlement-requeue-request');
    await page.goto('/settlements');
    await expect.poll(() => rows(page).count()).toBe(4);

    // two people approve it through the API; the two events leave the open list live
    const approved = await call(desk.t, people.risk, 'POST', `/api/approvals/${requestId}/approve`, {
      reason: REASON,
      secondaryApproverId: people.risk2.id,
    });
    expect(approved.status).toBe(200);
    const cosigned = await call<RequestBody>(
      desk.t,
      people.risk2,
      'POST',
      `/api/approvals/${requestId}/cosign`,
      { reason: 'Checked and co-signed.' },
    );
    expect(cosigned.body.status).toBe('approved');
    await expect.poll(() => rows(page).count()).toBe(2);
    await expect.poll(() => page.getByTestId('tile-queued').textContent()).toContain('2');

    // every settlement, live: queued, then confirmed as the worker drains them
    await page.getByRole('tab', { name: 'All settlements' }).click();
    const statuses = () => attrs(page.getByTestId('settlement-row'), 'data-status');
    await expect.poll(statuses).toEqual(['queued', 'queued']);
    await screenshot(page, 'settlements-queued');
    await drainSettlements(desk.t, { advance: (ms) => desk.clock.advance(ms) });
    await expect.poll(statuses).toEqual(['confirmed', 'confirmed']);
    await expect.poll(() => page.getByTestId('tile-confirmed').textContent()).toContain('2');
    // filters: by network, then by a status with nothing in it
    await page.getByLabel('Network', { exact: true }).selectOption('ethereum');
    await expect.poll(() => page.getByTestId('settlement-row').count()).toBe(1);
    await page.getByLabel('Status', { exact: true }).selectOption('failed');
    await page.getByTestId('settlements-empty').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => page.getByTestId('settlement-row').count()).toBe(2);
    await screenshot(page, 'settlements-confirmed');

    // the detail: the timeline of every step, the tx hash, the flagged event it came from
    const s = await db()
      .selectFrom('settlements')
      .selectAll()
      .where('trade_id', '=', trades[0]!.id)
      .executeTakeFirstOrThrow();
    await page.locator(`[data-settlement-id="${s.id}"]`).getByRole('link').click();
    await page.getByRole('heading', { name: 'Client buys 1,500 USDT on Tron (TRC-20)' }).waitFor();
    const steps = await attrs(page.getByTestId('timeline').locator('li'), 'data-step');
    // every step, in the order the desk recorded them (where `reserved` falls is the worker's business)
    expect([...steps].sort()).toEqual([
      'broadcast',
      'confirmed',
      'prepared',
      'queued',
      'requeued',
      'reserved',
    ]);
    expect(steps[0]).toBe('queued');
    expect(steps.at(-1)).toBe('confirmed');
    const stored = await db()
      .selectFrom('settlement_steps')
      .select('step')
      .where('settlement_id', '=', s.id)
      .orderBy('id')
      .execute();
    expect(steps).toEqual(stored.map((x) => x.step));
    expect(await page.getByTestId('tx-hash').textContent()).toBe(s.tx_hash);
    expect(Number(await page.getByTestId('confirmations').textContent())).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('detail-flagged').textContent()).toMatch(
      /Automatic settlement was off\s*Requeued/,
    );
    expect(await page.getByTestId('settlement-status').textContent()).toContain('Confirmed');
    await screenshot(page, 'settlement-detail');

    // the rest: "requeue all open AUTO_SETTLEMENT_DISABLED" files one request naming the reason
    await page.goto('/settlements');
    await expect.poll(() => rows(page).count()).toBe(2);
    await page.getByRole('button', { name: 'Requeue all open AUTO_SETTLEMENT_DISABLED (2)' }).click();
    await page.getByTestId('filed-request').waitFor();
    const all = await db()
      .selectFrom('change_requests')
      .select(['payload', 'status'])
      .where('kind', '=', 'settlement.requeue')
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    expect(all.payload).toEqual({ reason: 'AUTO_SETTLEMENT_DISABLED' });
    await page
      .locator(`[data-event-id="${await eventOf(late.id)}"]`)
      .getByRole('link', { name: 'requeue requested' })
      .waitFor();
    // the requeued ones stay on record, with the request that moved them
    await page.getByLabel('Status', { exact: true }).selectOption('requeued');
    await expect.poll(() => rows(page).count()).toBe(2);
    expect(await rows(page).first().getByRole('link', { name: 'the request' }).getAttribute('href')).toBe(
      `/approvals/${requestId}`,
    );

    expect(desk.consoleErrors).toEqual([]);
    await context.close();
  });

  it('a sell settles on the detail page live: queued, waiting for the deposit, then confirmed once it lands', async () => {
    // AUTO_SETTLEMENT is on since the first test: the sell is queued at booking, not flagged
    const sell = await bookTrade(desk.t, { usdt: 321n, side: 'sell', network: 'ethereum' });
    const s = await db()
      .selectFrom('settlements')
      .select('id')
      .where('trade_id', '=', sell.id)
      .executeTakeFirstOrThrow();
    const { page, context } = await signIn(desk, ['risk_officer'], { name: 'Rita Risk' });
    await page.goto(`/settlements/${s.id}`);
    await page.getByRole('heading', { name: 'Client sells 321 USDT on Ethereum (ERC-20)' }).waitFor();
    expect(await page.getByTestId('settlement-status').textContent()).toContain('Queued');
    expect(await page.getByTestId('tx-hash').textContent()).toBe('not sent yet');

    await drainSettlements(desk.t, { advance: (ms) => desk.clock.advance(ms), rounds: 2 });
    await page.locator('[data-step="awaiting_deposit"]').waitFor();
    await page.getByTestId('settlement-status').filter({ hasText: 'Waiting for deposit' }).waitFor();
    await screenshot(page, 'settlement-detail-awaiting-deposit');
    await clientDeposits(desk.t, sell);
    await drainSettlements(desk.t, { advance: (ms) => desk.clock.advance(ms) });
    await page.getByTestId('settlement-status').filter({ hasText: 'Confirmed' }).waitFor();
    const steps = await attrs(page.getByTestId('timeline').locator('li'), 'data-step');
    expect(steps).toEqual(
      expect.arrayContaining(['queued', 'awaiting_deposit', 'deposit_seen', 'confirmed']),
    );
    expect(await page.getByTestId('tx-hash').textContent()).toMatch(/^0x[0-9a-f]+$/);
    expect(await page.getByTestId('detail-flagged').count()).toBe(0);
    await screenshot(page, 'settlement-detail-sell');
    expect(desk.consoleErrors).toEqual([]);
    await context.close();
  });

  it('an auditor sees the queue and the flagged events but no requeue or dismiss actions', async () => {
    const { page, context } = await signIn(desk, ['auditor'], { name: 'Ada Auditor' });
    const open = await db()
      .selectFrom('settlement_flagged_events')
      .select('id')
      .where('status', '=', 'open')
      .execute();
    expect(open.length).toBeGreaterThan(0);
    await page.goto('/settlements');
    await expect.poll(() => rows(page).count()).toBe(open.length);
    expect(await page.getByRole('heading', { name: 'Act on flagged events' }).count()).toBe(0);
    expect(await page.locator('[data-testid="flagged-row"] input[type=checkbox]').count()).toBe(0);
    await screenshot(page, 'settlements-auditor');
    expect(desk.consoleErrors).toEqual([]);
    await context.close();
  });
});
