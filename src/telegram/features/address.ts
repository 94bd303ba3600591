import { Composer, InlineKeyboard, type Context } from 'grammy';
import type { BotDeps } from '../deps.js';
import { activeClientOf, type ClientContext } from '../client-context.js';
import { esc } from '../format.js';
import { checkAddress, type Network } from '../../shared/networks.js';
import type { ClientRow } from '../../clients/clients.service.js';

const USAGE =
  'Register a payout address like this: <code>/address tron T…</code> or <code>/address ethereum 0x…</code>. Send <code>/address</code> alone to see your addresses and add one with buttons.';
const NETWORK: Record<string, Network> = {
  tron: 'tron',
  trc20: 'tron',
  ethereum: 'ethereum',
  eth: 'ethereum',
  erc20: 'ethereum',
};
const STATUS: Record<string, string> = {
  pending: 'awaiting approval',
  whitelisted: 'approved',
  removed: 'removed',
};
const label = (n: Network) => (n === 'tron' ? 'TRON' : 'Ethereum');

/** The guided /address waits this long for the address text. */
const ADDRESS_FLOW = 'address';
const ADDRESS_FLOW_TTL_SECONDS = 5 * 60;

/**
 * /address network address → a client.address whitelist request filed by the client; /address alone
 * lists them with an "Add address" button (network → the address text → the same request).
 */
export function addressFeature(deps: BotDeps) {
  const c = new Composer<ClientContext>();
  const addresses = deps.trading.addresses;
  const dm = c.chatType('private');

  /** The client who may register addresses; otherwise the refusal saying why not. */
  const activeClient = (ctx: ClientContext) =>
    activeClientOf(ctx, 'Your account is not active, so you cannot register payout addresses.');

  /** Files the whitelist request, exactly as the one-line /address does. */
  async function file(ctx: Context, client: ClientRow, network: Network, address: string) {
    await addresses.request(
      { clientId: client.id, network, address, action: 'whitelist' },
      { type: 'client', id: client.id },
      { actorType: 'client', actorId: client.id },
    );
    return ctx.reply(
      `Your ${label(network)} address <code>${esc(address)}</code> is registered and awaits the desk's approval. You will be able to trade to it once it is approved.`,
      { parse_mode: 'HTML' },
    );
  }

  dm.command('address', async (ctx) => {
    const client = activeClient(ctx);
    const conv = await deps.store.conversation(ctx.from.id, deps.clock.now());
    if (conv?.flow === ADDRESS_FLOW) await deps.store.endConversation(ctx.from.id);
    const [networkText = '', addressText = ''] = ctx.match.trim().split(/\s+/);
    if (!networkText) {
      const rows = await addresses.list(client.id);
      const add = new InlineKeyboard().text('➕ Add address', 'ad:add');
      if (rows.length === 0)
        return ctx.reply(`You have no payout addresses yet.\n${USAGE}`, {
          parse_mode: 'HTML',
          reply_markup: add,
        });
      const lines = rows.map(
        (a) => `• ${label(a.network)}: <code>${esc(a.address)}</code> — ${esc(STATUS[a.status] ?? a.status)}`,
      );
      return ctx.reply(['<b>Your payout addresses</b>', ...lines].join('\n'), {
        parse_mode: 'HTML',
        reply_markup: add,
      });
    }
    const network = NETWORK[networkText.toLowerCase()];
    if (!network || !addressText) return ctx.reply(USAGE, { parse_mode: 'HTML' });
    const check = checkAddress(network, addressText);
    if (!check.ok)
      return ctx.reply(`${esc(`The address is refused: ${check.reason}.`)}\n${USAGE}`, {
        parse_mode: 'HTML',
      });
    return file(ctx, client, network, check.address);
  });

  c.callbackQuery('ad:add', async (ctx) => {
    await ctx.answerCallbackQuery();
    activeClient(ctx);
    await ctx.editMessageReplyMarkup().catch(() => undefined);
    return ctx.reply('On which network is the address?', {
      reply_markup: new InlineKeyboard()
        .text('TRON (TRC-20)', 'ad:n:tron')
        .text('Ethereum (ERC-20)', 'ad:n:ethereum'),
    });
  });

  c.callbackQuery(/^ad:n:(tron|ethereum)$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    activeClient(ctx);
    const network = ctx.match[1] as Network;
    await ctx.editMessageReplyMarkup().catch(() => undefined);
    await deps.store.saveConversation(
      ctx.from.id,
      { flow: ADDRESS_FLOW, step: 'address', data: { network } },
      deps.clock.now(),
      ADDRESS_FLOW_TTL_SECONDS,
    );
    const hint = network === 'tron' ? 'it starts with T' : 'it starts with 0x';
    return ctx.reply(`Send your ${label(network)} payout address (${hint}). /cancel stops.`);
  });

  /** The address text of a guided /address. */
  dm.on('message:text', async (ctx, next) => {
    const conv = await deps.store.conversation(ctx.from.id, deps.clock.now());
    if (!conv || conv.flow !== ADDRESS_FLOW || ctx.message.text.startsWith('/')) return next();
    const network: Network = conv.data.network === 'ethereum' ? 'ethereum' : 'tron';
    const check = checkAddress(network, ctx.message.text.trim());
    if (!check.ok)
      return ctx.reply(
        `${esc(`The address is refused: ${check.reason}.`)}\nSend the ${label(network)} address again, or /cancel.`,
        { parse_mode: 'HTML' },
      );
    await deps.store.endConversation(ctx.from.id);
    return file(ctx, activeClient(ctx), network, check.address);
  });

  return c;
}
