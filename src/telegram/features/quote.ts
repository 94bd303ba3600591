import { Composer, InlineKeyboard, type Context } from 'grammy';
import type { BotDeps } from '../bot.js';
import { plainWords } from '../errors.js';
import { esc } from '../format.js';
import { formatUsdt, parseUsdt } from '../../trading/money.js';
import { AppError } from '../../shared/errors.js';

const USAGE = 'Ask like this: <code>/quote buy 25000 tron</code> or <code>/quote sell 1000.5 ethereum</code> (amount in USDT, at most 6 decimals).';
const NETWORK: Record<string, 'tron' | 'ethereum'> = { tron: 'tron', trc20: 'tron', ethereum: 'ethereum', eth: 'ethereum', erc20: 'ethereum' };

/** /quote side amount network → the best firm price with an Accept button; Accept books the trade. */
export function quoteFeature(deps: BotDeps) {
  const c = new Composer();
  const trading = deps.trading;
  if (!trading) return c;
  const rfqs = trading.rfqs;
  const dm = c.chatType('private');

  dm.command('quote', async (ctx) => {
    const client = await deps.clients.findByTelegramId(ctx.from.id);
    if (!client) return ctx.reply('You have no account with the desk yet. Send /start to apply.');
    const [sideText = '', amountText = '', networkText = ''] = ctx.match.trim().toLowerCase().split(/\s+/);
    const side = sideText === 'buy' || sideText === 'sell' ? sideText : null;
    const network = NETWORK[networkText];
    const amount = parseUsdt(amountText);
    if (!side || !network) return ctx.reply(USAGE, { parse_mode: 'HTML' });
    if (!amount.ok) return ctx.reply(`${esc(`The amount is refused: ${amount.reason}.`)}\n${USAGE}`, { parse_mode: 'HTML' });
    return offer(ctx, client.id, side, network, amount.units);
  });

  async function offer(ctx: Context, clientId: string, side: 'buy' | 'sell', network: 'tron' | 'ethereum', units: bigint) {
    const amount = { units };
    const client = { id: clientId };
    try {
      const { best } = await rfqs.request({ clientId: client.id, side, network, amountUnits: amount.units });
      const seconds = Math.max(0, Math.round(((best.expires_at?.getTime() ?? 0) - deps.clock.now().getTime()) / 1000));
      const verb = side === 'buy' ? 'You buy' : 'You sell';
      const totalLine = side === 'buy' ? `You pay <b>${esc(best.total ?? '')} USD</b> (rounded up to the cent)` : `You receive <b>${esc(best.total ?? '')} USD</b> (rounded down to the cent)`;
      const text = [`<b>Quote</b> — ${verb} <b>${esc(formatUsdt(amount.units))} USDT</b> on ${network === 'tron' ? 'TRON' : 'Ethereum'}`, `Price: <b>${esc(best.price ?? '')}</b> USD per USDT`, totalLine, `Firm for <b>${seconds} s</b>. Press Accept to trade.`].join('\n');
      return await ctx.reply(text, { parse_mode: 'HTML', reply_markup: new InlineKeyboard().text('Accept', `q:a:${best.id}`) });
    } catch (err) {
      if (err instanceof AppError) return ctx.reply(plainWords(err), { parse_mode: 'HTML' });
      throw err;
    }
  }

  c.callbackQuery(/^q:r:([0-9a-f-]{36})$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    const client = await deps.clients.findByTelegramId(ctx.from.id);
    if (!client) return ctx.reply('You have no account with the desk yet. Send /start to apply.');
    const quote = await deps.db.selectFrom('quotes').select(['side', 'network', 'amount_units']).where('id', '=', ctx.match[1] ?? '').where('client_id', '=', client.id).executeTakeFirst();
    if (!quote) return ctx.reply(USAGE, { parse_mode: 'HTML' });
    return offer(ctx, client.id, quote.side, quote.network, BigInt(quote.amount_units));
  });

  c.callbackQuery(/^q:a:([0-9a-f-]{36})$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    const client = await deps.clients.findByTelegramId(ctx.from.id);
    if (!client) return ctx.reply('You have no account with the desk yet. Send /start to apply.');
    try {
      const { trade } = await trading.trades.accept({ quoteId: ctx.match[1] ?? '', clientId: client.id }, { actorType: 'client', actorId: client.id });
      return await ctx.reply(
        [`✅ <b>Trade booked</b> (${esc(trade.id.slice(0, 8))})`, `${trade.side === 'buy' ? 'You buy' : 'You sell'} ${esc(formatUsdt(BigInt(trade.amount_units)))} USDT at ${esc(trade.price)}: ${esc(trade.total)} USD`, `Payout address: <code>${esc(trade.address)}</code>`].join('\n'),
        { parse_mode: 'HTML' },
      );
    } catch (err) {
      if (err instanceof AppError && err.code === 'QUOTE_EXPIRED') return ctx.reply(`${plainWords(err)}\nPress Re-quote for a new price on the same trade, or send /quote again.`, { parse_mode: 'HTML', reply_markup: new InlineKeyboard().text('Re-quote', `q:r:${ctx.match[1] ?? ''}`) });
      if (err instanceof AppError) return ctx.reply(plainWords(err), { parse_mode: 'HTML' });
      throw err;
    }
  });

  return c;
}
