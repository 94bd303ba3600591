import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  autoSettlementOn,
  bookTrade,
  deskPeople,
  drainSettlements,
  SETTLEMENT_ENV,
  U,
} from '../support/settlement.js';
import { screenshot, signIn, startConsoleDesk, type ConsoleDesk } from './support/browser.js';

describe('console: wallets', () => {
  let desk: ConsoleDesk;
  beforeAll(async () => {
    desk = await startConsoleDesk({ env: SETTLEMENT_ENV, prepare: true });
    await autoSettlementOn(desk.t, await deskPeople(desk.t));
  });
  afterAll(() => desk.close());

  it('shows each paper wallet with PAPER, chain balance equal to the ledger after settlements, and its ledger entries a page at a time', async () => {
    // 13 buys on Tron: two postings each on the reserved account (reserve, settle), more than a page of 25
    for (let i = 0; i < 13; i++) await bookTrade(desk.t, { usdt: 100n + BigInt(i), network: 'tron' });
    await bookTrade(desk.t, { usdt: 250n, network: 'ethereum' });
    await drainSettlements(desk.t, { advance: (ms) => desk.clock.advance(ms) });
    const overview = await desk.t.desk.services.wallets.overview();
    expect(overview.length).toBeGreaterThan(0);

    const { page, context } = await signIn(desk, ['auditor'], { name: 'Ada Auditor' });
    await page.goto('/wallets');
    const cards = page.getByTestId('wallet');
    await expect.poll(() => cards.count()).toBe(overview.length);
    expect(await page.getByTestId('paper-badge').count()).toBe(overview.length);
    await page.getByTestId('paper-page-badge').waitFor();

    for (const w of overview) {
      const card = page.locator(`[data-wallet-id="${w.wallet.id}"]`);
      const chain = await card.getByTestId('chain-balance').locator('.n').textContent();
      const ledger = await card.getByTestId('ledger-balance').locator('.n').textContent();
      expect(chain, w.wallet.id).toBe(ledger);
      expect(w.chainBalance, w.wallet.id).toBe(w.ledgerBalance);
      expect(await card.getByTestId('difference').locator('.n').textContent()).toBe('0');
      expect(await card.getByTestId('difference').getAttribute('class')).toContain('ok');
      expect(await card.getByTestId('reserved').locator('.n').textContent()).toBe('0');
      expect(await card.getByTestId('wallet-address').textContent()).toBe(w.wallet.address);
      expect(await card.getByTestId('block-height').textContent()).toMatch(/^block \d+$/);
    }
    // the Tron wallet paid 13 buys out of the faucet amount: 1,000,000 − (100 + … + 112)
    const tron = page.locator('[data-wallet-id="paper:tron:hot"]');
    expect(await tron.getByTestId('chain-balance').locator('.n').textContent()).toBe('998,622');
    expect(await page.getByTestId('difference-warning').count()).toBe(0);
    await screenshot(page, 'wallets');

    // the reserved account's entries: newest first, 25 to a page, then the older ones
    await tron.getByRole('link', { name: 'reserved' }).click();
    await page.getByTestId('account-balance').waitFor();
    expect(await page.getByTestId('account-balance').textContent()).toContain('0 USDT');
    const rows = page.getByTestId('entry-row');
    await expect.poll(() => rows.count()).toBe(25);
    expect(await rows.first().textContent()).toContain('Settled');
    await screenshot(page, 'wallet-ledger-entries');
    await page.getByRole('button', { name: 'Older entries' }).click();
    await expect.poll(() => rows.count()).toBe(26);
    expect(await page.getByRole('button', { name: 'Older entries' }).count()).toBe(0);
    // an entry links to its settlement
    const href = await rows.first().getByRole('link', { name: 'open' }).getAttribute('href');
    expect(href).toMatch(/^\/settlements\/[0-9a-f-]{36}$/);

    // USDT that reaches the wallet outside the ledger shows as a difference, highlighted
    const hot = overview.find((w) => w.wallet.id === 'paper:tron:hot');
    if (!hot) throw new Error('no paper:tron:hot wallet');
    await desk.t.desk.services.paper.send('tron', 'PAPER-FAUCET', hot.wallet.address, 5n * U);
    await page.goto('/wallets');
    await expect.poll(() => tron.getByTestId('difference').locator('.n').textContent()).toBe('+5');
    expect(await tron.getByTestId('difference').getAttribute('class')).toContain('bad');
    await page.getByTestId('difference-warning').waitFor();
    await screenshot(page, 'wallets-difference');

    expect(desk.consoleErrors).toEqual([]);
    await context.close();
  });
});
