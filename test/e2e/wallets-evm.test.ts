import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainOnChain, mine, sendUsdt, startLocalChain, type LocalChain } from '../support/chain.js';
import {
  autoSettlementOn,
  bookTrade,
  deskPeople,
  SETTLEMENT_ENV,
  tradingClient,
  U,
} from '../support/settlement.js';
import { screenshot, signIn, startConsoleDesk, type ConsoleDesk } from './support/browser.js';

describe('console: wallets on an EVM chain, reconciled', () => {
  let chain: LocalChain;
  let desk: ConsoleDesk;
  beforeAll(async () => {
    chain = await startLocalChain();
    desk = await startConsoleDesk({
      env: {
        ...SETTLEMENT_ENV,
        ...chain.env(),
        EVM_POLL_MS: '50',
        CONFIRMATIONS_REQUIRED: 'tron:1,ethereum:1',
      },
      prepare: true,
    });
    await autoSettlementOn(desk.t, await deskPeople(desk.t));
  });
  afterAll(async () => {
    await desk?.close();
    await chain?.stop();
  });

  it('shows the EVM hot wallet beside the paper one, reconciles on a click, and shows an outflow made on chain as drift', async () => {
    await bookTrade(desk.t, { usdt: 250n, network: 'ethereum' });
    await drainOnChain(desk.t, chain);
    const hot = (await desk.t.desk.services.wallets.hotWallet(desk.t.database.db, 'ethereum'))!;

    const { page, context } = await signIn(desk, ['ops_approver'], { name: 'Olga Ops' });
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto('/wallets');
    const card = page.locator(`[data-wallet-id="${hot.id}"]`);
    await card.getByTestId('chain-badge').waitFor();
    expect(await card.getByTestId('chain-badge').textContent()).toBe('EVM');
    expect(await card.getByTestId('wallet-address').textContent()).toBe(chain.hotWallet);
    expect(await card.getByTestId('difference').locator('.n').textContent()).toBe('0');
    expect(await card.getByTestId('gas').textContent()).toMatch(/ETH on chain · [\d.]+ ETH in the ledger/);
    expect(await page.content()).not.toContain(chain.hotWalletKey.slice(2));

    await page.getByTestId('reconcile-now').click();
    await expect.poll(() => page.getByTestId('recon-last').textContent()).toMatch(/every wallet agrees/);

    // someone uses the hot wallet's key outside the desk
    await sendUsdt(chain, chain.hotWalletKey, (await tradingClient(desk.t, 'ethereum')).address, 5n * U);
    await mine(chain);
    await page.getByTestId('reconcile-now').click();
    await expect
      .poll(() => page.getByTestId('recon-last').textContent())
      .toMatch(/2 differences beyond tolerance/);
    const row = page.locator(
      `[data-testid="recon-difference"][data-wallet-id="${hot.id}"][data-asset="USDT"]`,
    );
    expect(await row.getByTestId('recon-amount').textContent()).toBe('−5');
    await row.getByTestId('recon-drift').waitFor();
    expect(await page.getByTestId('recon-history').locator('li').count()).toBe(2);
    await page.reload();
    await card.getByTestId('difference').waitFor();
    expect(await card.getByTestId('difference').locator('.n').textContent()).toBe('−5');
    await page.getByTestId('difference-warning').waitFor();
    await screenshot(page, 'wallets-evm-drift-1440');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId('recon-last').waitFor();
    await screenshot(page, 'wallets-evm-drift-390');
    expect(desk.consoleErrors).toEqual([]);
    await context.close();
  });
});
