import { GrammyError, type Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Counter } from 'prom-client';
import type { ApprovalQueries } from '../approvals/approvals.queries.js';
import type { ClaimedNotification, NotificationsService } from '../notifications/notifications.service.js';
import type { Clock } from '../shared/clock.js';
import type { Db } from '../shared/db.js';
import type { Logger } from '../shared/logger.js';
import { consoleUrl } from './deps.js';
import { isPublicUrl } from './public-url.js';
import { decisionKeyboard, openInConsole } from './keyboards.js';
import type { TelegramStore } from './telegram.store.js';
import { DECIDED_LINE, EDIT_TRIGGERS, editedText, render, type RequestView } from './templates.js';
import {
  backoffSeconds,
  classifyFailure,
  delayFor,
  newThrottleState,
  pauseChat,
  recordSend,
  TELEGRAM_LIMITS,
  type ThrottleRules,
  type ThrottleState,
} from './throttle.js';

/** Where a notification goes in Telegram; null when the recipient has no Telegram chat. */
export interface Recipients {
  operator(operatorId: string): Promise<string | null>;
  client(clientId: string): Promise<string | null>;
  opsChat: string | null;
  /** A readable name for whoever filed a request (an operator's or a client's name). */
  requesterName(
    type: string,
    id: string | null,
    people: Map<string, { name: string } | undefined>,
  ): Promise<string>;
}

export interface Timer {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realTimer: Timer = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export interface DeliveryDeps {
  api: Api;
  db: Db;
  notifications: NotificationsService;
  store: TelegramStore;
  requests: Pick<ApprovalQueries, 'get'>;
  recipients: Recipients;
  clock: Clock;
  logger: Logger;
  /** Counter `desk_telegram_deliveries_total{result}`. */
  deliveries: Counter<'result'>;
  publicUrl: string;
  timer?: Timer;
  rules?: ThrottleRules;
  /** Transient failures before a notification is given up (default 10). */
  maxAttempts?: number;
}

/** `failed_permanent`: Telegram will never take it (blocked, chat not found); `gave_up`: transient failures past the last attempt. */
export type DeliveryResult =
  'sent' | 'retry' | 'rate_limited' | 'throttled' | 'failed_permanent' | 'gave_up' | 'skipped';

/** The longest we wait in line for a chat's turn; longer, the row goes back to the queue. */
const MAX_INLINE_WAIT_MS = 2000;
/** A row held in `sending` longer than this belonged to a deliverer that died: it is queued again. */
const STALE_CLAIM_MS = 5 * 60_000;

/** A 400 about the message's URL button (BUTTON_URL_INVALID, "wrong HTTP URL"…), not about the chat or the text. */
function refusesButtonUrl(err: unknown): err is GrammyError {
  return err instanceof GrammyError && err.error_code === 400 && /button|url/i.test(err.description);
}

/**
 * Drains the notifications outbox into Telegram. One send per notification (plus the edits a decision
 * asks for), with Telegram's limits respected, 429s honoured, transient failures retried with backoff
 * and permanent ones (blocked bot, chat not found) marked failed and counted.
 */
export function createDeliverer(deps: DeliveryDeps) {
  const timer = deps.timer ?? realTimer;
  const rules = deps.rules ?? TELEGRAM_LIMITS;
  const throttle: ThrottleState = newThrottleState();
  const maxAttempts = deps.maxAttempts ?? 10;
  const count = (result: DeliveryResult | 'edited') => deps.deliveries.inc({ result });

  async function chatFor(n: ClaimedNotification): Promise<string | null> {
    if (n.recipientType === 'ops_chat') return deps.recipients.opsChat;
    if (!n.recipientId) return null;
    return n.recipientType === 'operator'
      ? deps.recipients.operator(n.recipientId)
      : deps.recipients.client(n.recipientId);
  }

  async function requestView(requestId: unknown): Promise<RequestView | undefined> {
    if (typeof requestId !== 'string') return undefined;
    try {
      const { request: r, people } = await deps.requests.get(requestId);
      return {
        id: r.id,
        kind: r.kind,
        summary: r.summary,
        status: r.status,
        digest: r.digest,
        diff: r.diff,
        note: r.note,
        expiresAt: r.expires_at,
        requester: await deps.recipients.requesterName(r.requested_by_type, r.requested_by_id, people),
      };
    } catch {
      return undefined;
    }
  }

  /**
   * Takes the chat's next turn if it is close, waiting for it; otherwise says how long until it is.
   * The turn is booked before any await, so concurrent drains in this process never take the same one.
   */
  async function takeTurn(chatId: string): Promise<number> {
    const now = timer.now();
    const delay = delayFor(throttle, chatId, now);
    if (delay > MAX_INLINE_WAIT_MS) return delay;
    recordSend(throttle, chatId, now + delay, rules);
    if (delay > 0) await timer.sleep(delay);
    return 0;
  }

  async function deliverOne(n: ClaimedNotification): Promise<DeliveryResult> {
    const now = deps.clock.now();
    const requestId = typeof n.data.requestId === 'string' ? n.data.requestId : null;
    const request = await requestView(requestId);
    const trigger = EDIT_TRIGGERS[n.template];
    // Earlier messages are edited whether or not this notice itself reaches anyone, but only while the
    // request still is where the notice says: a retried "awaiting co-sign" must not undo a "Decided".
    if (trigger && requestId && (!request || request.status === trigger.when))
      await deps.store.scheduleEdits(requestId, trigger.status(n.data), trigger.only, now);
    // The decider already has their answer, or nobody is to be told: this row was only there to bring the edits above.
    if (n.data.selfDecided === true || n.data.editOnly === true) {
      await deps.notifications.markSkipped(
        deps.db,
        n.id,
        n.data.selfDecided === true
          ? 'the decider is not told of their own decision'
          : 'nobody to tell: only edits the earlier messages',
      );
      return 'skipped';
    }

    const chatId = await chatFor(n);
    if (!chatId) {
      await deps.notifications.markSkipped(
        deps.db,
        n.id,
        n.recipientType === 'ops_chat'
          ? 'no ops chat configured (TELEGRAM_OPS_CHAT_ID)'
          : `the ${n.recipientType} has no linked Telegram account`,
      );
      return 'skipped';
    }
    const link = requestId ? consoleUrl(deps.publicUrl, requestId) : null;
    const buttonUrl = link && isPublicUrl(link) ? link : null;
    const rendered = render({
      template: n.template,
      recipientType: n.recipientType,
      data: n.data,
      request,
      consoleUrl: buttonUrl,
    });
    // Sent late (the bot was off or behind) about a request already decided: say so, and offer no buttons.
    const decided = request ? DECIDED_LINE[request.status] : undefined;
    if (
      rendered &&
      decided &&
      (n.template === 'approval.requested' || n.template === 'approval.cosign_requested')
    ) {
      rendered.text = editedText(rendered.text, decided);
      rendered.decision = false;
    }
    if (!rendered) {
      await deps.notifications.markSkipped(
        deps.db,
        n.id,
        `nothing to tell a ${n.recipientType} about ${n.template}`,
      );
      return 'skipped';
    }

    const wait = await takeTurn(chatId);
    if (wait > 0) {
      await deps.notifications.retryAt(
        deps.db,
        n.id,
        new Date(now.getTime() + wait),
        'waiting for the chat’s turn (Telegram limits)',
        true,
      );
      return 'throttled';
    }

    let tokens: { cosign: string; reject: string } | null = null;
    if (rendered.decision && n.recipientType === 'operator' && n.recipientId && requestId && request) {
      const owner = { requestId, operatorId: n.recipientId };
      tokens = {
        cosign: await deps.store.issueToken({ ...owner, action: 'cosign' }, request.expiresAt),
        reject: await deps.store.issueToken({ ...owner, action: 'reject' }, request.expiresAt),
      };
    }
    const keyboard = (url: string | null): InlineKeyboardMarkup | undefined =>
      tokens ? decisionKeyboard(tokens, url) : openInConsole(url);
    const send = (url: string | null) =>
      deps.api.sendMessage(chatId, rendered.text, {
        parse_mode: 'HTML',
        reply_markup: keyboard(url),
        link_preview_options: { is_disabled: true },
      });

    try {
      let url = buttonUrl;
      let sent;
      try {
        sent = await send(url);
      } catch (err) {
        if (!url || !refusesButtonUrl(err)) throw err;
        // PUBLIC_URL looked public but Telegram will not link to it: the message matters more than the button.
        deps.logger.warn(
          { notificationId: n.id, url, reason: err.description },
          'Telegram refused the "Open in console" button (check PUBLIC_URL); sent without it',
        );
        url = null;
        sent = await send(url);
      }
      await deps.store.recordSent({
        notificationId: n.id,
        requestId,
        chatId,
        messageId: sent.message_id,
        template: n.template,
        text: rendered.text,
        url,
      });
      await deps.notifications.markSent(deps.db, n.id, deps.clock.now());
      return 'sent';
    } catch (err) {
      return failed(n, chatId, err);
    }
  }

  async function failed(n: ClaimedNotification, chatId: string, err: unknown): Promise<DeliveryResult> {
    const now = deps.clock.now();
    const f = classifyFailure(err instanceof GrammyError ? err : null);
    if (f.kind === 'rate_limited') {
      pauseChat(throttle, chatId, timer.now(), f.retryAfter);
      await deps.notifications.retryAt(
        deps.db,
        n.id,
        new Date(now.getTime() + f.retryAfter * 1000),
        `429: retry after ${f.retryAfter} s`,
        true,
      );
      return 'rate_limited';
    }
    if (f.kind === 'permanent') {
      deps.logger.warn(
        { notificationId: n.id, recipientType: n.recipientType, reason: f.reason },
        'telegram delivery failed for good',
      );
      await deps.notifications.markFailed(deps.db, n.id, f.reason);
      return 'failed_permanent';
    }
    const reason =
      err instanceof GrammyError ? f.reason : `${f.reason}: ${(err as Error)?.message ?? String(err)}`;
    if (n.attempts >= maxAttempts) {
      await deps.notifications.markFailed(deps.db, n.id, `gave up after ${n.attempts} attempts: ${reason}`);
      return 'gave_up';
    }
    await deps.notifications.retryAt(
      deps.db,
      n.id,
      new Date(now.getTime() + backoffSeconds(n.attempts) * 1000),
      reason,
    );
    return 'retry';
  }

  /** Edits earlier messages about decided requests: new status line, decision buttons gone. */
  async function editDue(limit = 20): Promise<number> {
    const due = await deps.store.claimEdits(deps.clock.now(), limit);
    for (const m of due) {
      if (await takeTurn(m.chat_id)) {
        await deps.store.editRetryAt(m.id, new Date(deps.clock.now().getTime() + 5000));
        continue;
      }
      try {
        await deps.api.editMessageText(
          m.chat_id,
          Number(m.message_id),
          editedText(m.text, m.edit_text ?? ''),
          {
            parse_mode: 'HTML',
            reply_markup: openInConsole(m.url),
            link_preview_options: { is_disabled: true },
          },
        );
        await deps.store.editDone(m.id, 'done');
        count('edited');
      } catch (err) {
        const f = classifyFailure(err instanceof GrammyError ? err : null);
        if (f.kind === 'rate_limited') {
          pauseChat(throttle, m.chat_id, timer.now(), f.retryAfter);
          await deps.store.editRetryAt(m.id, new Date(deps.clock.now().getTime() + f.retryAfter * 1000));
        } else if (f.kind === 'permanent' || m.edit_attempts >= 5) {
          // "message is not modified" or deleted by the user: nothing left to edit.
          await deps.store.editDone(m.id, /not modified/i.test(f.reason) ? 'done' : 'failed');
        } else {
          await deps.store.editRetryAt(
            m.id,
            new Date(deps.clock.now().getTime() + backoffSeconds(m.edit_attempts) * 1000),
          );
        }
      }
    }
    return due.length;
  }

  /**
   * Delivers what is due, batch by batch, for at most `budgetMs`. Returns counts per result; the rows
   * left (throttled, retrying) are picked up by the next run.
   */
  async function drain(
    opts: { budgetMs?: number; batch?: number } = {},
  ): Promise<Partial<Record<DeliveryResult, number>>> {
    const started = timer.now();
    const budget = opts.budgetMs ?? 20_000;
    const tally: Partial<Record<DeliveryResult, number>> = {};
    await deps.notifications.requeueStale(deps.db, new Date(deps.clock.now().getTime() - STALE_CLAIM_MS));
    for (;;) {
      const rows = await deps.notifications.claimDue(deps.db, deps.clock.now(), opts.batch ?? 20);
      for (const [i, n] of rows.entries()) {
        if (timer.now() - started > budget) {
          // Out of time: hand the rest back untouched.
          for (const rest of rows.slice(i))
            await deps.notifications.retryAt(
              deps.db,
              rest.id,
              deps.clock.now(),
              'deferred to the next run',
              true,
            );
          return tally;
        }
        let result: DeliveryResult;
        try {
          result = await deliverOne(n);
        } catch (err) {
          deps.logger.error({ err, notificationId: n.id }, 'telegram delivery error');
          result = await failed(n, '', err);
        }
        tally[result] = (tally[result] ?? 0) + 1;
        count(result);
      }
      await editDue();
      if (rows.length === 0 || timer.now() - started > budget) return tally;
    }
  }

  return { drain, deliverOne, editDue };
}

export type Deliverer = ReturnType<typeof createDeliverer>;
