// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeFetch, renderScreen } from '../../components/test-desk';
import { TelegramLink } from './TelegramLink';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const status = (bot: { botUsername: string | null; telegramConfigured: boolean }) => ({
  linked: false,
  pendingCodeExpiresAt: null,
  ...bot,
});

describe('TelegramLink', () => {
  it('names the bot the code goes to, with its t.me link', async () => {
    const bot = { botUsername: 'usdt_desk_bot', telegramConfigured: true };
    fakeFetch((call) =>
      call.method === 'GET'
        ? { body: status(bot) }
        : { body: { code: 'ABCD2345', expiresAt: new Date(Date.now() + 600_000).toISOString(), ...bot } },
    );
    renderScreen(<TelegramLink />);
    expect((await screen.findByRole('link', { name: '@usdt_desk_bot' })).getAttribute('href')).toBe(
      'https://t.me/usdt_desk_bot',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Get a link code' }));
    const box = await screen.findByTestId('telegram-code');
    expect(box.textContent).toMatch(/Send this message to @usdt_desk_bot in Telegram within/);
  });

  it('says plainly when the desk has no bot, and offers no code', async () => {
    fakeFetch(() => ({ body: status({ botUsername: null, telegramConfigured: false }) }));
    renderScreen(<TelegramLink />);
    expect((await screen.findByTestId('telegram-no-bot')).textContent).toMatch(/no Telegram bot configured/);
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Get a link code' }).disabled).toBe(true);
  });
});
