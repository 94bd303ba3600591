import { InlineKeyboard } from 'grammy';
import { VOLUME_BRACKETS } from '../clients/clients.rules.js';
import { TOKEN_PREFIX } from './telegram.store.js';

/** Only a URL: opening the request in the console needs the console's own sign-in. */
export function openInConsole(url: string | null): InlineKeyboard | undefined {
  return url ? new InlineKeyboard().url('Open in console', url) : undefined;
}

/** Co-sign / Reject carry opaque single-use tokens, never the request id or an action the server trusts. */
export function decisionKeyboard(
  tokens: { cosign: string; reject: string },
  url: string | null,
): InlineKeyboard {
  const kb = new InlineKeyboard()
    .text('✅ Co-sign', TOKEN_PREFIX + tokens.cosign)
    .text('❌ Reject', TOKEN_PREFIX + tokens.reject);
  return url ? kb.row().url('Open in console', url) : kb;
}

export function volumeKeyboard(): InlineKeyboard {
  const kb = new InlineKeyboard();
  VOLUME_BRACKETS.forEach((label, i) => kb.text(label, `ob:v:${i}`).row());
  return kb;
}

export function pagerKeyboard(page: number, pages: number): InlineKeyboard | undefined {
  if (pages <= 1) return undefined;
  const kb = new InlineKeyboard();
  if (page > 0) kb.text('◀ Previous', `pg:${page - 1}`);
  if (page < pages - 1) kb.text('Next ▶', `pg:${page + 1}`);
  return kb;
}
