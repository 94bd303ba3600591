import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Api, GrammyError } from 'grammy';
import type { CliContext } from './context.js';
import { AppError } from '../shared/errors.js';
import { ALLOWED_UPDATES } from '../telegram/runtime.js';
import type { RotateResult } from '../secrets/secrets.service.js';
import type { AuditContext } from '../shared/request-context.js';

const TOKEN = /^(\d+):[A-Za-z0-9_-]{30,}$/;

/** The new token from a file or stdin (`-`): never from the command line, where `ps` would show it. */
export async function readNewToken(file: string | undefined): Promise<string> {
  if (!file)
    throw new AppError('VALIDATION_FAILED', 'give the new token with --token-file FILE (or - for stdin)');
  const text = file === '-' ? await readStdin() : await readFile(file, 'utf8').catch(() => null);
  if (text === null) throw new AppError('VALIDATION_FAILED', `cannot read ${file}`);
  const token = text.trim();
  if (!TOKEN.test(token))
    throw new AppError('VALIDATION_FAILED', 'that is not a bot token (BotFather gives `<bot id>:<secret>`)');
  return token;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface TelegramRotation extends RotateResult {
  bot: string;
  webhook: 'registered' | 'not registered' | 'not used';
}

/**
 * `desk secrets rotate telegram`: checks the new token with Telegram (getMe, same bot as now), stores
 * it with a new webhook secret in the key ring (one transaction with its audit event), then, in webhook
 * mode, registers the webhook under the new token and secret. Running desks switch within
 * SECRETS_RELOAD_SECONDS and keep accepting the old webhook secret for 10 minutes, so no update is lost.
 */
export async function rotateTelegram(
  { config, desk }: Pick<CliContext, 'config' | 'desk'>,
  token: string,
  by: AuditContext,
): Promise<TelegramRotation> {
  const tg = config.telegram;
  const settings = tg.mode === 'off' ? tg.sendOnly : tg;
  if (!settings)
    throw new AppError(
      'CONFLICT',
      'the bot is not configured (TELEGRAM_BOT_TOKEN is not set): nothing to rotate',
    );
  const inUse = (await desk.services.keyring.telegram()).current?.token ?? settings.token;
  if (token === inUse) throw new AppError('CONFLICT', 'this is the token in use already');
  if (TOKEN.exec(token)?.[1] !== TOKEN.exec(inUse)?.[1])
    throw new AppError(
      'CONFLICT',
      'this token belongs to another bot: rotation keeps the same bot (its chats and links); use /revoke in BotFather for a new token of this one',
    );
  const api = new Api(token, { apiRoot: settings.apiRoot });
  const me = await api.getMe().catch((err: unknown) => {
    if (err instanceof GrammyError)
      throw new AppError(
        'CONFLICT',
        `Telegram refuses the new token (${err.description}): nothing was changed`,
      );
    throw new AppError('UNAVAILABLE', 'Telegram is unreachable: nothing was changed; try again');
  });
  const webhookSecret = randomBytes(32).toString('base64url');
  const stored = await desk.services.secrets.rotateTelegram({ token, webhookSecret, bot: me.username }, by);
  if (tg.mode !== 'webhook') return { ...stored, bot: me.username, webhook: 'not used' };
  const webhook = await api
    .setWebhook(tg.url, { secret_token: webhookSecret, allowed_updates: [...ALLOWED_UPDATES] })
    .then(
      () => 'registered' as const,
      () => 'not registered' as const,
    );
  return { ...stored, bot: me.username, webhook };
}
