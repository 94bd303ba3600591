import { Composer, InlineKeyboard, type Context } from 'grammy';
import type { BotDeps } from '../deps.js';
import { clientButton, CLIENT_TOKEN_DATA, onClientButton } from '../client-buttons.js';
import { clientOf, type ClientContext } from '../client-context.js';
import { esc, fitLines } from '../format.js';
import { formatUsdt } from '../../shared/money.js';

const TRADES_PAGE_SIZE = 5;
/** Pages beyond this are not offered (the list reads every trade up to the page shown). */
const MAX_PAGE = 199;
/** Cancel / Change address buttons stay valid this long (the desk still re-checks the trade's state). */
const BUTTON_TTL_MS = 24 * 60 * 60 * 1000;

const label = (n: string) => (n === 'tron' ? 'TRON' : 'Ethereum');
/** A trade's status in the client's words (a sell's settlement waits for the client's own USDT). */
export function statusWords(t: { status: string; side: string }): string {
  if (t.status === 'settling') return t.side === 'sell' ? 'waiting for your USDT' : 'being paid';
  if (t.status === 'settled') return 'settled ✅';
  return t.status;
}
const short = (address: string) =>
  address.length > 16 ? `${address.slice(0, 8)}…${address.slice(-6)}` : address;

/**
 * /trades → the client's trades, newest first, five a page (Previous / Next). A booked trade has
 * Cancel (files trade.cancel) and Change address (choose another whitelisted address on its network;
 * files trade.amend). Those buttons carry single-use tokens bound to the client's Telegram user.
 */
export function tradesFeature(deps: BotDeps) {
  const c = new Composer<ClientContext>();
  const { list, requestTradeCancel: cancel, requestTradeAmend: amend } = deps.trading.trades;
  const addresses = deps.trading.addresses;

  async function show(ctx: Context, clientId: string, page: number, edit: boolean) {
    const from = ctx.from!.id;
    // One more than the page needs says whether there is a next page.
    const { items: rows } = await list({ clientId, limit: (page + 1) * TRADES_PAGE_SIZE + 1 });
    if (rows.length === 0) return ctx.reply('You have no trades yet. /quote asks for a price.');
    const p = Math.min(page, Math.ceil(rows.length / TRADES_PAGE_SIZE) - 1);
    const shown = rows.slice(p * TRADES_PAGE_SIZE, (p + 1) * TRADES_PAGE_SIZE);
    const hasNext = rows.length > (p + 1) * TRADES_PAGE_SIZE && p < MAX_PAGE;
    const expires = new Date(deps.clock.now().getTime() + BUTTON_TTL_MS);
    const kb = new InlineKeyboard();
    const lines = [`<b>Your trades</b>${p > 0 || hasNext ? ` — page ${p + 1}` : ''}`];
    for (const [i, t] of shown.entries()) {
      const n = p * TRADES_PAGE_SIZE + i + 1;
      lines.push(
        `${n}. ${esc(t.id.slice(0, 8))} ${t.side} ${esc(formatUsdt(BigInt(t.amount_units)))} USDT on ${t.network} — ${esc(statusWords(t))}`,
      );
      if (t.status !== 'booked') continue;
      const cancelData = await clientButton(deps, from, 'trade.cancel', { tradeId: t.id }, expires);
      const amendData = await clientButton(
        deps,
        from,
        'trade.amend',
        { tradeId: t.id, network: t.network, address: t.address },
        expires,
      );
      kb.text(`Cancel ${n}`, cancelData).text(`Change address ${n}`, amendData).row();
    }
    if (p > 0) kb.text('◀ Previous', `tp:${p - 1}`);
    if (hasNext) kb.text('Next ▶', `tp:${p + 1}`);
    const other = { parse_mode: 'HTML' as const, reply_markup: kb };
    if (edit) return ctx.editMessageText(fitLines(lines), other);
    return ctx.reply(fitLines(lines), other);
  }

  c.chatType('private').command('trades', (ctx) => show(ctx, clientOf(ctx).id, 0, false));

  // Paging shows only the presser's own trades, so the page number needs no token.
  c.callbackQuery(/^tp:(\d{1,3})$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    return show(ctx, clientOf(ctx).id, Math.min(Number(ctx.match[1]), MAX_PAGE), true);
  });

  c.callbackQuery(
    CLIENT_TOKEN_DATA,
    onClientButton(deps, ['trade.cancel'], async (ctx, p) => {
      const client = clientOf(ctx);
      const tradeId = p.tradeId ?? '';
      await cancel(client.id, tradeId, { actorType: 'client', actorId: client.id });
      return ctx.reply(
        `Your cancellation request is filed (trade ${esc(tradeId.slice(0, 8))}); the desk will confirm it.`,
        { parse_mode: 'HTML' },
      );
    }),
  );

  /** Change address: the client's other whitelisted addresses on the trade's network, one button each. */
  c.callbackQuery(
    CLIENT_TOKEN_DATA,
    onClientButton(deps, ['trade.amend'], async (ctx, p) => {
      const client = clientOf(ctx);
      const tradeId = p.tradeId ?? '';
      const network = p.network === 'ethereum' ? 'ethereum' : 'tron';
      const others = (await addresses.list(client.id)).filter(
        (a) => a.status === 'whitelisted' && a.network === network && a.address !== p.address,
      );
      if (others.length === 0) {
        return ctx.reply(
          `You have no other approved ${label(network)} payout address. Add one with /address; once the desk approves it, you can move this trade to it.`,
        );
      }
      const expires = new Date(deps.clock.now().getTime() + BUTTON_TTL_MS);
      const kb = new InlineKeyboard();
      const lines = [
        `Where should trade ${esc(tradeId.slice(0, 8))} pay out? Now: <code>${esc(p.address ?? '')}</code>`,
      ];
      for (const [i, a] of others.entries()) {
        lines.push(`${i + 1}. <code>${esc(a.address)}</code>`);
        kb.text(
          `${i + 1}. ${short(a.address)}`,
          await clientButton(
            deps,
            ctx.from.id,
            'trade.amend.address',
            { tradeId, addressId: a.id, address: a.address },
            expires,
          ),
        ).row();
      }
      return ctx.reply(fitLines(lines), { parse_mode: 'HTML', reply_markup: kb });
    }),
  );

  c.callbackQuery(
    CLIENT_TOKEN_DATA,
    onClientButton(deps, ['trade.amend.address'], async (ctx, p) => {
      const client = clientOf(ctx);
      const tradeId = p.tradeId ?? '';
      await ctx.editMessageReplyMarkup().catch(() => undefined);
      await amend(
        client.id,
        tradeId,
        { addressId: p.addressId ?? '' },
        { actorType: 'client', actorId: client.id },
      );
      return ctx.reply(
        `Your request to pay trade ${esc(tradeId.slice(0, 8))} to <code>${esc(p.address ?? '')}</code> is filed; the desk will confirm it.`,
        { parse_mode: 'HTML' },
      );
    }),
  );
  return c;
}
