import { Composer, InlineKeyboard, type Context } from 'grammy';
import { cleanProfileField, VOLUME_BRACKETS, type ClientProfile } from '../../clients/clients.rules.js';
import type { ClientContext } from '../client-context.js';
import type { BotDeps } from '../deps.js';
import { esc } from '../format.js';
import { volumeKeyboard } from '../keyboards.js';
import { clientStatusText } from './help.js';

/**
 * Client onboarding: `/start` by an unknown Telegram user asks four questions (name, company,
 * country, expected monthly volume), keeping the answers in PostgreSQL between messages, then files
 * a `client.access` request in the client's name. Two operators decide it; the client is told.
 */

const ONBOARDING_FLOW = 'onboarding';
const ONBOARDING_TTL_SECONDS = 24 * 3600;

type Step = 'name' | 'company' | 'country' | 'volume';
const QUESTIONS: Record<Exclude<Step, 'volume'>, string> = {
  name: '1/4 · What is your full name?',
  company: '2/4 · Which company do you trade for? (Your own name if you trade privately.)',
  country: '3/4 · In which country is it based?',
};
const NEXT: Record<Exclude<Step, 'volume'>, Step> = {
  name: 'company',
  company: 'country',
  country: 'volume',
};
const TOO_LONG: Record<Exclude<Step, 'volume'>, string> = {
  name: 'A name needs 2 to 100 characters.',
  company: 'A company name needs 1 to 120 characters.',
  country: 'A country needs 2 to 60 characters.',
};

export function onboardingFeature(deps: BotDeps) {
  const c = new Composer<ClientContext>();
  const dm = c.chatType('private');
  const now = () => deps.clock.now();

  async function begin(ctx: Context) {
    await deps.store.saveConversation(
      ctx.from!.id,
      { flow: ONBOARDING_FLOW, step: 'name', data: {} },
      now(),
      ONBOARDING_TTL_SECONDS,
    );
    await ctx.reply(
      `👋 Welcome to the desk. To open an account, answer four short questions; two people at the desk then review it. /cancel stops.\n\n${QUESTIONS.name}`,
    );
  }

  dm.command('start', async (ctx) => {
    const operator = await deps.account.operatorByTelegramId(ctx.from.id);
    if (operator) {
      await ctx.reply(
        `Hello ${esc(operator.name)}: this account is linked to you as an operator. /pending lists what awaits you; /help lists everything.`,
        { parse_mode: 'HTML' },
      );
      return;
    }
    const client = ctx.client;
    if (!client) return begin(ctx);
    const status = await clientStatusText(deps, client);
    await ctx.reply(status.text, {
      parse_mode: 'HTML',
      reply_markup: status.canReapply ? new InlineKeyboard().text('Apply again', 'ap:again') : undefined,
    });
  });

  dm.on('message:text', async (ctx, next) => {
    const conv = await deps.store.conversation(ctx.from.id, now());
    if (!conv || conv.flow !== ONBOARDING_FLOW || ctx.message.text.startsWith('/')) return next();
    const step = conv.step as Step;
    if (step === 'volume') {
      await ctx.reply('Choose one of the buttons above for your expected monthly volume.', {
        reply_markup: volumeKeyboard(),
      });
      return;
    }
    const value = cleanProfileField(step, ctx.message.text);
    if (!value) {
      await ctx.reply(`${TOO_LONG[step]} ${QUESTIONS[step]}`);
      return;
    }
    const nextStep = NEXT[step];
    await deps.store.saveConversation(
      ctx.from.id,
      { flow: ONBOARDING_FLOW, step: nextStep, data: { ...conv.data, [step]: value } },
      now(),
      ONBOARDING_TTL_SECONDS,
    );
    if (nextStep === 'volume')
      await ctx.reply('4/4 · What volume do you expect to trade in a month?', {
        reply_markup: volumeKeyboard(),
      });
    else await ctx.reply(QUESTIONS[nextStep]);
  });

  c.callbackQuery(/^ob:v:(\d)$/, async (ctx) => {
    const conv = await deps.store.conversation(ctx.from.id, now());
    const volume = VOLUME_BRACKETS[Number(ctx.match[1])];
    if (!conv || conv.flow !== ONBOARDING_FLOW || conv.step !== 'volume' || !volume) {
      await ctx.answerCallbackQuery({
        text: 'This question is closed. Send /start to begin.',
        show_alert: true,
      });
      return;
    }
    await ctx.answerCallbackQuery();
    const profile: ClientProfile = {
      name: String(conv.data.name),
      company: String(conv.data.company),
      country: String(conv.data.country),
      monthlyVolume: volume,
    };
    await deps.store.endConversation(ctx.from.id);
    await deps.clients.apply({
      telegramUserId: String(ctx.from.id),
      telegramUsername: ctx.from.username ?? null,
      profile,
    });
    await ctx.editMessageReplyMarkup().catch(() => undefined);
    await ctx.reply(
      `📨 <b>Thank you, ${esc(profile.name)}.</b> Your application is filed:\n` +
        `${esc(profile.company)}, ${esc(profile.country)} · ${esc(volume)} a month.\n` +
        'Two people at the desk review it; I will tell you here when it is decided. /status shows where it stands.',
      { parse_mode: 'HTML' },
    );
  });

  c.callbackQuery('ap:again', async (ctx) => {
    const client = ctx.client;
    await ctx.answerCallbackQuery();
    if (!client) return;
    await deps.clients.reapply(client.id);
    await ctx.editMessageReplyMarkup().catch(() => undefined);
    await ctx.reply('📨 Your application is filed again. I will tell you here when it is decided.');
  });

  return c;
}
