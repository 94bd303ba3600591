import { ConfigError } from './config.parse.js';

/** The raw Telegram settings the variant is made from. */
export interface TelegramEnv {
  TELEGRAM_BOT_TOKEN?: string | undefined;
  TELEGRAM_MODE: 'polling' | 'webhook' | 'off';
  TELEGRAM_WEBHOOK_SECRET?: string | undefined;
  TELEGRAM_OPS_CHAT_ID?: string | undefined;
  TELEGRAM_API_ROOT: string;
  PUBLIC_URL?: string | undefined;
}

/** The bot's mode as a discriminated variant: what runs, with exactly the settings that mode needs. */
export type TelegramSettings =
  /** No updates are received; with a token, `sendOnly` still delivers the notifications outbox. */
  | {
      mode: 'off';
      reason: string;
      sendOnly: { token: string; opsChatId: string | null; apiRoot: string } | null;
    }
  | { mode: 'polling'; token: string; opsChatId: string | null; apiRoot: string }
  | {
      mode: 'webhook';
      token: string;
      opsChatId: string | null;
      apiRoot: string;
      secret: string;
      url: string;
    };

export function telegramSettings(config: TelegramEnv): TelegramSettings {
  const token = config.TELEGRAM_BOT_TOKEN;
  if (!token) return { mode: 'off', reason: 'TELEGRAM_BOT_TOKEN is not set', sendOnly: null };
  const common = { token, opsChatId: config.TELEGRAM_OPS_CHAT_ID ?? null, apiRoot: config.TELEGRAM_API_ROOT };
  if (config.TELEGRAM_MODE === 'off')
    return { mode: 'off', reason: 'TELEGRAM_MODE is off', sendOnly: common };
  if (config.TELEGRAM_MODE === 'polling') return { mode: 'polling', ...common };
  const problems: string[] = [];
  if (!config.TELEGRAM_WEBHOOK_SECRET)
    problems.push('TELEGRAM_WEBHOOK_SECRET is missing (Telegram must prove each webhook call)');
  if (!config.PUBLIC_URL)
    problems.push('PUBLIC_URL is missing (Telegram needs the address of POST /telegram/webhook)');
  if (problems.length > 0 || !config.TELEGRAM_WEBHOOK_SECRET || !config.PUBLIC_URL)
    throw new ConfigError(`TELEGRAM_MODE=webhook: ${problems.join('; ')}`);
  return {
    mode: 'webhook',
    ...common,
    secret: config.TELEGRAM_WEBHOOK_SECRET,
    url: new URL('/telegram/webhook', config.PUBLIC_URL).toString(),
  };
}
