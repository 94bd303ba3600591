import { Composer } from 'grammy';
import type { BotDeps } from '../deps.js';
import { esc } from '../format.js';

/**
 * `/link CODE` binds this Telegram account to the operator who was issued the one-time code in the
 * console (audited by the operators domain); `/unlink` undoes it. Only in a private chat: a code typed
 * in a group would be read by everyone in it.
 */
export function linkFeature(deps: BotDeps) {
  const c = new Composer();
  const dm = c.chatType('private');

  dm.command('link', async (ctx) => {
    const code = ctx.match.trim();
    if (!code) {
      await ctx.reply(
        'Send <code>/link CODE</code> with the one-time code from the ops console (My account → Link Telegram).',
        { parse_mode: 'HTML' },
      );
      return;
    }
    const linked = await deps.account.consumeTelegramLinkCode(code, ctx.from.id, {
      actorType: 'operator',
      requestId: `telegram:${ctx.update.update_id}`,
    });
    await ctx.reply(
      `🔗 <b>Linked.</b> This Telegram account now belongs to operator ${esc(linked.name)}.\n` +
        'You will get alerts here, and co-sign prompts with buttons that ask for your authenticator code. /pending lists what awaits you; /unlink undoes this.',
      { parse_mode: 'HTML' },
    );
  });

  dm.command('unlink', async (ctx) => {
    const was = await deps.account.unlinkTelegram(ctx.from.id, {
      requestId: `telegram:${ctx.update.update_id}`,
    });
    await ctx.reply(
      was
        ? `Unlinked: this Telegram account is no longer operator ${esc(was.name)}'s. Alerts stop here; link again from the ops console.`
        : 'This Telegram account is not linked to any operator.',
      { parse_mode: 'HTML' },
    );
  });

  // In a group, say where to do it instead of reading the code.
  c.chatType(['group', 'supergroup']).command(['link', 'unlink'], (ctx) =>
    ctx.reply('Link or unlink in a private chat with me, never in a group.'),
  );
  return c;
}
