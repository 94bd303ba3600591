import { Composer } from 'grammy';
import type { ClientRow } from '../../clients/clients.service.js';
import { clientOf, type ClientContext } from '../client-context.js';
import type { BotDeps } from '../deps.js';
import { esc, when } from '../format.js';

const OPEN = ['pending', 'awaiting_secondary'];

/** Where a client stands, in plain words; `canReapply` when their last application ended undecided or declined. */
export async function clientStatusText(
  deps: BotDeps,
  client: ClientRow,
): Promise<{ text: string; canReapply: boolean }> {
  if (client.status === 'active')
    return { text: '✅ Your account is <b>active</b>: you can trade with the desk.', canReapply: false };
  if (client.status === 'suspended')
    return {
      text: '⛔ Your account is <b>suspended</b>: you cannot trade. Contact the desk if you think this is a mistake.',
      canReapply: false,
    };
  const latest = await deps.clients.latestApplication(client.id);
  if (latest && OPEN.includes(latest.status)) {
    return {
      text: `⏳ Your application (filed ${when(latest.created_at)}) is <b>being reviewed</b>. I will tell you here when it is decided.`,
      canReapply: false,
    };
  }
  const why =
    latest?.status === 'rejected'
      ? 'was not approved'
      : latest?.status === 'expired'
        ? 'expired without a decision'
        : 'is not open';
  return { text: `Your application ${why}. You can apply again.`, canReapply: true };
}

/** /help, /status, /cancel, and the answer to anything else. */
export function helpFeature(deps: BotDeps) {
  const c = new Composer<ClientContext>();
  const dm = c.chatType('private');

  dm.command('help', async (ctx) => {
    const operator = await deps.account.operatorByTelegramId(ctx.from.id);
    const lines = operator
      ? [
          `<b>Operator ${esc(operator.name)}</b>`,
          '/pending — what awaits your approval or co-sign',
          '/unlink — stop receiving alerts here',
          'Co-sign and Reject buttons ask for your authenticator code; nothing is decided without it.',
        ]
      : [
          '<b>usdt-desk</b>',
          '/start — open an account (or see yours)',
          '/status — where your account stands',
          '/quote — a firm price to trade: buttons guide you, or in one line <code>/quote buy 25000 tron</code>',
          '/address — your payout addresses (add one with a button)',
          '/trades — your trades (cancel or change the payout address of a booked one)',
          '/link CODE — operators: link this account to the ops console',
        ];
    lines.push('/cancel — stop what you are doing', '/help — this list');
    await ctx.reply(lines.join('\n'), { parse_mode: 'HTML' });
  });

  dm.command('status', async (ctx) => {
    const operator = await deps.account.operatorByTelegramId(ctx.from.id);
    if (operator)
      return ctx.reply(
        `This account is linked to operator ${esc(operator.name)}. /pending lists what awaits you.`,
        { parse_mode: 'HTML' },
      );
    return ctx.reply((await clientStatusText(deps, clientOf(ctx))).text, { parse_mode: 'HTML' });
  });

  dm.command('cancel', async (ctx) => {
    const conv = await deps.store.conversation(ctx.from.id, deps.clock.now());
    await deps.store.endConversation(ctx.from.id);
    await ctx.reply(conv ? 'Stopped. Nothing was sent or decided.' : 'There is nothing to stop.');
  });

  dm.on('message', async (ctx) => {
    if (ctx.client?.status === 'suspended')
      return ctx.reply(
        '⛔ Your account is suspended: you cannot trade. Contact the desk if you think this is a mistake.',
      );
    return ctx.reply('I did not understand that. /help lists what I can do.');
  });
  return c;
}
