import { Composer, InlineKeyboard } from 'grammy';
import type { BotDeps } from '../bot.js';
import { plainWords } from '../errors.js';
import { esc } from '../format.js';
import { formatUsdt } from '../../trading/money.js';
import { AppError } from '../../shared/errors.js';

/** /trades → the client's recent trades; a booked one has a Cancel button that files trade.cancel. */
export function tradesFeature(deps: BotDeps) {
  const c = new Composer();
  const trades = deps.trading?.trades;
  if (!trades?.list || !trades.requestTradeCancel) return c;
  const list = trades.list;
  const cancel = trades.requestTradeCancel;

  c.chatType('private').command('trades', async (ctx) => {
    const client = await deps.clients.findByTelegramId(ctx.from.id);
    if (!client) return ctx.reply('You have no account with the desk yet. Send /start to apply.');
    const rows = await list({ clientId: client.id, limit: 10 });
    if (rows.length === 0) return ctx.reply('You have no trades yet.');
    const kb = new InlineKeyboard();
    for (const t of rows) if (t.status === 'booked') kb.text(`Cancel ${t.id.slice(0, 8)}`, `t:c:${t.id}`).row();
    const lines = rows.map((t) => `• ${esc(t.id.slice(0, 8))} ${t.side} ${esc(formatUsdt(BigInt(t.amount_units)))} USDT on ${t.network} — ${esc(t.status)}`);
    return ctx.reply(['<b>Your recent trades</b>', ...lines].join('\n'), { parse_mode: 'HTML', reply_markup: kb });
  });

  c.callbackQuery(/^t:c:([0-9a-f-]{36})$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    const client = await deps.clients.findByTelegramId(ctx.from.id);
    if (!client) return ctx.reply('You have no account with the desk yet. Send /start to apply.');
    try {
      await cancel(client.id, ctx.match[1] ?? '', { actorType: 'client', actorId: client.id });
      return await ctx.reply('Your cancellation request is filed; the desk will confirm it.');
    } catch (err) {
      if (err instanceof AppError) return ctx.reply(plainWords(err), { parse_mode: 'HTML' });
      throw err;
    }
  });
  return c;
}
