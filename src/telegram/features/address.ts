import { Composer } from 'grammy';
import type { BotDeps } from '../bot.js';
import { plainWords } from '../errors.js';
import { esc } from '../format.js';
import { checkAddress, type Network } from '../../trading/addresses.js';
import { canTrade } from '../../clients/clients.rules.js';
import { AppError } from '../../shared/errors.js';

const USAGE = 'Register a payout address like this: <code>/address tron T…</code> or <code>/address ethereum 0x…</code>. Send <code>/address</code> alone to see your addresses.';
const NETWORK: Record<string, Network> = { tron: 'tron', trc20: 'tron', ethereum: 'ethereum', eth: 'ethereum', erc20: 'ethereum' };
const STATUS: Record<string, string> = { pending: 'awaiting approval', whitelisted: 'approved', removed: 'removed' };

/** /address network address → a client.address whitelist request filed by the client; /address alone lists them. */
export function addressFeature(deps: BotDeps) {
  const c = new Composer();
  const trading = deps.trading;
  if (!trading?.addresses) return c;
  const addresses = trading.addresses;
  const dm = c.chatType('private');

  dm.command('address', async (ctx) => {
    const client = await deps.clients.findByTelegramId(ctx.from.id);
    if (!client) return ctx.reply('You have no account with the desk yet. Send /start to apply.');
    if (!canTrade(client.status)) return ctx.reply('Your account is not active, so you cannot register payout addresses.');
    const [networkText = '', addressText = ''] = ctx.match.trim().split(/\s+/);
    if (!networkText) {
      const rows = await addresses.list(client.id);
      if (rows.length === 0) return ctx.reply(`You have no payout addresses yet.\n${USAGE}`, { parse_mode: 'HTML' });
      const lines = rows.map((a) => `• ${a.network === 'tron' ? 'TRON' : 'Ethereum'}: <code>${esc(a.address)}</code> — ${esc(STATUS[a.status] ?? a.status)}`);
      return ctx.reply(['<b>Your payout addresses</b>', ...lines].join('\n'), { parse_mode: 'HTML' });
    }
    const network = NETWORK[networkText.toLowerCase()];
    if (!network || !addressText) return ctx.reply(USAGE, { parse_mode: 'HTML' });
    const check = checkAddress(network, addressText);
    if (!check.ok) return ctx.reply(`${esc(`The address is refused: ${check.reason}.`)}\n${USAGE}`, { parse_mode: 'HTML' });
    try {
      await addresses.request({ clientId: client.id, network, address: check.address, action: 'whitelist' }, { type: 'client', id: client.id }, { actorType: 'client', actorId: client.id });
      return await ctx.reply(`Your ${network === 'tron' ? 'TRON' : 'Ethereum'} address <code>${esc(check.address)}</code> is registered and awaits the desk's approval. You will be able to trade to it once it is approved.`, { parse_mode: 'HTML' });
    } catch (err) {
      if (err instanceof AppError) return ctx.reply(plainWords(err), { parse_mode: 'HTML' });
      throw err;
    }
  });

  return c;
}
