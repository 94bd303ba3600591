import { Composer, InlineKeyboard, type Context } from 'grammy';
import type { BotDeps } from '../deps.js';
import { clientButton, CLIENT_TOKEN_DATA, onClientButton } from '../client-buttons.js';
import { clientOf, type ClientContext } from '../client-context.js';
import { plainWords, Refusal } from '../errors.js';
import { esc } from '../format.js';
import { formatUsdt, parseUsdt } from '../../shared/money.js';
import { AppError } from '../../shared/errors.js';

const USAGE =
  'Ask like this: <code>/quote buy 25000 tron</code> or <code>/quote sell 1000.5 ethereum</code> (amount in USDT, at most 6 decimals), or send <code>/quote</code> alone and choose with buttons.';
const NETWORK: Record<string, 'tron' | 'ethereum'> = {
  tron: 'tron',
  trc20: 'tron',
  ethereum: 'ethereum',
  eth: 'ethereum',
  erc20: 'ethereum',
};
type Side = 'buy' | 'sell';
type Net = 'tron' | 'ethereum';
const label = (n: Net) => (n === 'tron' ? 'TRON' : 'Ethereum');

/** The guided /quote waits this long for the amount. */
const QUOTE_FLOW = 'quote';
const QUOTE_FLOW_TTL_SECONDS = 5 * 60;
/**
 * An Accept button outlives its quote by this much, so a late press still reaches the desk, which
 * refuses the expired quote in plain words and offers a Re-quote.
 */
const BUTTON_GRACE_MS = 60 * 60 * 1000;

/**
 * /quote side amount network (or /quote alone: Buy/Sell → network → amount) → the best firm price
 * with an Accept button; Accept books the trade. Buttons carry single-use tokens bound to the client.
 */
export function quoteFeature(deps: BotDeps) {
  const c = new Composer<ClientContext>();
  const { rfqs, trades } = deps.trading;
  const dm = c.chatType('private');

  dm.command('quote', async (ctx) => {
    const client = clientOf(ctx);
    const conv = await deps.store.conversation(ctx.from.id, deps.clock.now());
    if (conv?.flow === QUOTE_FLOW) await deps.store.endConversation(ctx.from.id);
    if (!ctx.match.trim()) {
      return ctx.reply('Do you want to <b>buy</b> or <b>sell</b> USDT?', {
        parse_mode: 'HTML',
        reply_markup: new InlineKeyboard().text('Buy', 'qg:buy').text('Sell', 'qg:sell'),
      });
    }
    const [sideText = '', amountText = '', networkText = ''] = ctx.match.trim().toLowerCase().split(/\s+/);
    const side = sideText === 'buy' || sideText === 'sell' ? sideText : null;
    const network = NETWORK[networkText];
    const amount = parseUsdt(amountText);
    if (!side || !network) return ctx.reply(USAGE, { parse_mode: 'HTML' });
    if (!amount.ok)
      return ctx.reply(`${esc(`The amount is refused: ${amount.reason}.`)}\n${USAGE}`, {
        parse_mode: 'HTML',
      });
    return offer(ctx, client.id, side, network, amount.units);
  });

  c.callbackQuery(/^qg:(buy|sell)$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    const side = ctx.match[1] as Side;
    await ctx.editMessageReplyMarkup().catch(() => undefined);
    const kb = new InlineKeyboard()
      .text('TRON (TRC-20)', `qg:${side}:tron`)
      .text('Ethereum (ERC-20)', `qg:${side}:ethereum`);
    return ctx.reply(`You ${side} USDT. On which network?`, { reply_markup: kb });
  });

  c.callbackQuery(/^qg:(buy|sell):(tron|ethereum)$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    clientOf(ctx); // only a client is asked for an amount
    const side = ctx.match[1] as Side;
    const network = ctx.match[2] as Net;
    await ctx.editMessageReplyMarkup().catch(() => undefined);
    await deps.store.saveConversation(
      ctx.from.id,
      { flow: QUOTE_FLOW, step: 'amount', data: { side, network } },
      deps.clock.now(),
      QUOTE_FLOW_TTL_SECONDS,
    );
    return ctx.reply(
      `How many USDT do you want to ${side} on ${label(network)}? Send the amount, like <code>25000</code> or <code>1000.5</code>. /cancel stops.`,
      { parse_mode: 'HTML' },
    );
  });

  /** The amount of a guided /quote. */
  dm.on('message:text', async (ctx, next) => {
    const conv = await deps.store.conversation(ctx.from.id, deps.clock.now());
    if (!conv || conv.flow !== QUOTE_FLOW || ctx.message.text.startsWith('/')) return next();
    const side = conv.data.side === 'sell' ? 'sell' : 'buy';
    const network = conv.data.network === 'ethereum' ? 'ethereum' : 'tron';
    const amount = parseUsdt(ctx.message.text);
    if (!amount.ok) {
      return ctx.reply(
        `${esc(`That amount is refused: ${amount.reason}.`)}\nSend the number of USDT you want to ${side}, like <code>25000</code> or <code>1000.5</code>, or /cancel.`,
        { parse_mode: 'HTML' },
      );
    }
    await deps.store.endConversation(ctx.from.id);
    return offer(ctx, clientOf(ctx).id, side, network, amount.units);
  });

  async function offer(ctx: Context, clientId: string, side: Side, network: Net, units: bigint) {
    const { best } = await rfqs.request({ clientId, side, network, amountUnits: units });
    const expiresAt = best.expires_at ?? deps.clock.now();
    const seconds = Math.max(0, Math.round((expiresAt.getTime() - deps.clock.now().getTime()) / 1000));
    const verb = side === 'buy' ? 'You buy' : 'You sell';
    const totalLine =
      side === 'buy'
        ? `You pay <b>${esc(best.total ?? '')} USD</b> (rounded up to the cent)`
        : `You receive <b>${esc(best.total ?? '')} USD</b> (rounded down to the cent)`;
    const text = [
      `<b>Quote</b> — ${verb} <b>${esc(formatUsdt(units))} USDT</b> on ${label(network)}`,
      `Price: <b>${esc(best.price ?? '')}</b> USD per USDT`,
      totalLine,
      `Firm for <b>${seconds} s</b>. Press Accept to trade.`,
    ].join('\n');
    const accept = await clientButton(
      deps,
      ctx.from!.id,
      'quote.accept',
      { quoteId: best.id, side, network, amount: units.toString() },
      new Date(expiresAt.getTime() + BUTTON_GRACE_MS),
    );
    return ctx.reply(text, { parse_mode: 'HTML', reply_markup: new InlineKeyboard().text('Accept', accept) });
  }

  c.callbackQuery(
    CLIENT_TOKEN_DATA,
    onClientButton(deps, ['quote.requote'], async (ctx, p) => {
      const client = clientOf(ctx);
      await ctx.editMessageReplyMarkup().catch(() => undefined);
      return offer(
        ctx,
        client.id,
        p.side === 'sell' ? 'sell' : 'buy',
        p.network === 'ethereum' ? 'ethereum' : 'tron',
        BigInt(p.amount ?? '0'),
      );
    }),
  );

  /** An expired quote's refusal, with a Re-quote button for the same trade. */
  async function requoteOffer(ctx: Context, p: Record<string, string>, err: unknown): Promise<never> {
    if (!(err instanceof AppError && err.code === 'QUOTE_EXPIRED')) throw err;
    const requote = await clientButton(
      deps,
      ctx.from!.id,
      'quote.requote',
      { side: p.side ?? 'buy', network: p.network ?? 'tron', amount: p.amount ?? '0' },
      new Date(deps.clock.now().getTime() + BUTTON_GRACE_MS),
    );
    throw new Refusal(
      `${plainWords(err)}\nPress Re-quote for a new price on the same trade, or send /quote again.`,
      { parse_mode: 'HTML', reply_markup: new InlineKeyboard().text('Re-quote', requote) },
    );
  }

  c.callbackQuery(
    CLIENT_TOKEN_DATA,
    onClientButton(deps, ['quote.accept'], async (ctx, p) => {
      const client = clientOf(ctx);
      await ctx.editMessageReplyMarkup().catch(() => undefined);
      // The trading service makes Accept idempotent too: a second accept of a quote returns the same trade.
      const { trade } = await trades
        .accept(
          { quoteId: p.quoteId ?? '', clientId: client.id },
          { actorType: 'client', actorId: client.id },
        )
        .catch((err: unknown) => requoteOffer(ctx, p, err));
      return ctx.reply(
        [
          `✅ <b>Trade booked</b> (${esc(trade.id.slice(0, 8))})`,
          `${trade.side === 'buy' ? 'You buy' : 'You sell'} ${esc(formatUsdt(BigInt(trade.amount_units)))} USDT at ${esc(trade.price)}: ${esc(trade.total)} USD`,
          `Payout address: <code>${esc(trade.address)}</code>`,
          '/trades lists your trades.',
        ].join('\n'),
        { parse_mode: 'HTML' },
      );
    }),
  );

  return c;
}
