import { Composer, InlineKeyboard, type Context } from 'grammy';
import { eligibility, subjectOf, type Policy } from '../../approvals/approvals.rules.js';
import type { Role } from '../../shared/roles.js';
import type { BotDeps } from '../deps.js';
import { consoleUrl } from '../deps.js';
import { esc, fitLines, user, when } from '../format.js';
import { pagerKeyboard } from '../keyboards.js';
import { TOKEN_PREFIX } from '../telegram.store.js';

export const PAGE_SIZE = 5;

interface Item {
  id: string;
  summary: string;
  kind: string;
  expiresAt: Date;
  /** Named as secondary: this operator's co-sign is what the request waits for. */
  cosign: boolean;
}

/**
 * `/pending`: what awaits this operator — co-signs they were named for (with fresh single-use
 * buttons) and requests they may approve as primary (a console link: naming a co-signer is done
 * there). Paginated, so the message stays within Telegram's limits.
 */
export function pendingFeature(deps: BotDeps) {
  const c = new Composer();

  async function itemsFor(operatorId: string, roles: Role[]): Promise<Item[]> {
    const cosign = await deps.queries.list({ awaitingMe: true, limit: 100 }, operatorId);
    const open = await deps.queries.list({ status: ['pending'], limit: 200 }, operatorId);
    const me = { id: operatorId, roles, active: true, mfaEnrolled: true };
    const primary = open.items.filter(
      (r) =>
        eligibility(
          r.policy as Policy,
          subjectOf(r),
          'primary',
          me,
          r.requested_by_type === 'operator' ? r.requested_by_id : null,
          null,
        ) === null,
    );
    return [
      ...cosign.items.map((r) => ({
        id: r.id,
        summary: r.summary,
        kind: r.kind,
        expiresAt: r.expires_at,
        cosign: true,
      })),
      ...primary.map((r) => ({
        id: r.id,
        summary: r.summary,
        kind: r.kind,
        expiresAt: r.expires_at,
        cosign: false,
      })),
    ];
  }

  async function show(ctx: Context, page: number, edit: boolean) {
    const me = await deps.account.operatorByTelegramId(ctx.from!.id);
    if (!me) {
      await ctx.reply(
        '/pending is for operators: link this account first with /link CODE (the code is in the ops console under My account).',
      );
      return;
    }
    const items = await itemsFor(me.operatorId, me.roles);
    const pages = Math.max(1, Math.ceil(items.length / PAGE_SIZE));
    const p = Math.min(Math.max(0, page), pages - 1);
    const shown = items.slice(p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
    const lines =
      items.length === 0
        ? ['Nothing awaits you. 🎉']
        : [`<b>Awaiting you: ${items.length}</b>${pages > 1 ? ` (page ${p + 1} of ${pages})` : ''}`, ''];
    const kb = new InlineKeyboard();
    for (const [i, it] of shown.entries()) {
      const n = p * PAGE_SIZE + i + 1;
      lines.push(
        `${n}. ${it.cosign ? '✍️ co-sign' : '🆕 approve'} · <code>${esc(it.kind)}</code> · ${user(it.summary, 200)}`,
        `   expires ${when(it.expiresAt)} · <a href="${esc(consoleUrl(deps.publicUrl, it.id))}">open</a>`,
      );
      if (it.cosign) {
        const expires = it.expiresAt;
        const cosign = await deps.store.issueToken(
          { action: 'cosign', requestId: it.id, operatorId: me.operatorId },
          expires,
        );
        const reject = await deps.store.issueToken(
          { action: 'reject', requestId: it.id, operatorId: me.operatorId },
          expires,
        );
        kb.text(`✅ Co-sign ${n}`, TOKEN_PREFIX + cosign)
          .text(`❌ Reject ${n}`, TOKEN_PREFIX + reject)
          .row();
      }
    }
    const pager = pagerKeyboard(p, pages);
    if (pager) kb.append(pager);
    const other = {
      parse_mode: 'HTML' as const,
      reply_markup: kb,
      link_preview_options: { is_disabled: true },
    };
    if (edit) await ctx.editMessageText(fitLines(lines), other);
    else await ctx.reply(fitLines(lines), other);
  }

  c.chatType('private').command('pending', (ctx) => show(ctx, 0, false));
  c.callbackQuery(/^pg:(\d{1,4})$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    await show(ctx, Number(ctx.match[1]), true);
  });
  return c;
}
