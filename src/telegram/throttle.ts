/**
 * Telegram's sending limits (Bot API FAQ): about 30 messages a second overall, one a second to the
 * same private chat, 20 a minute to the same group. We stay under them, and a 429's `retry_after`
 * pauses that chat. The state is per process; several delivering processes each keep their own
 * share, and a 429 from Telegram still reschedules the row.
 */
export interface ThrottleRules {
  globalPerSecond: number;
  privateIntervalMs: number;
  groupIntervalMs: number;
}

export const TELEGRAM_LIMITS: ThrottleRules = {
  globalPerSecond: 25,
  privateIntervalMs: 1000,
  groupIntervalMs: 3000,
};

export interface ThrottleState {
  /** Earliest time (ms) the next message to any chat may go. */
  globalNextAt: number;
  /** Per chat: earliest time (ms) the next message may go. */
  chatNextAt: Map<string, number>;
}

/** Group and channel ids are negative; users' are positive. */
const isGroupChat = (chatId: string | number) => String(chatId).startsWith('-');

/** How long (ms) to wait before a message to `chatId` may be sent at `now`; 0 when it may go now. */
export function delayFor(state: ThrottleState, chatId: string, now: number): number {
  return Math.max(0, state.globalNextAt - now, (state.chatNextAt.get(chatId) ?? 0) - now);
}

/** Records a message sent to `chatId` at `now`. */
export function recordSend(
  state: ThrottleState,
  chatId: string,
  now: number,
  rules: ThrottleRules = TELEGRAM_LIMITS,
): void {
  state.globalNextAt = Math.max(state.globalNextAt, now) + Math.ceil(1000 / rules.globalPerSecond);
  state.chatNextAt.set(chatId, now + (isGroupChat(chatId) ? rules.groupIntervalMs : rules.privateIntervalMs));
}

/** Telegram said to wait `seconds` before writing to this chat again. */
export function pauseChat(state: ThrottleState, chatId: string, now: number, seconds: number): void {
  state.chatNextAt.set(chatId, Math.max(state.chatNextAt.get(chatId) ?? 0, now + seconds * 1000));
}

export function newThrottleState(): ThrottleState {
  return { globalNextAt: 0, chatNextAt: new Map() };
}

/** Backoff for transient failures: 5 s doubling per attempt, at most 15 minutes. */
export function backoffSeconds(attempts: number): number {
  return Math.min(15 * 60, 5 * 2 ** Math.max(0, attempts - 1));
}

export type SendFailure =
  | { kind: 'rate_limited'; retryAfter: number }
  | { kind: 'permanent'; reason: string }
  | { kind: 'transient'; reason: string };

/**
 * What a Bot API error means for delivery: 429 waits `retry_after`; 403 (blocked, kicked, user
 * deactivated) and 400 (chat not found, a message Telegram refuses) will never succeed as they are;
 * anything else (5xx, network) is worth another try.
 */
export function classifyFailure(
  err: {
    error_code?: number;
    description?: string;
    parameters?: { retry_after?: number; migrate_to_chat_id?: number };
  } | null,
): SendFailure {
  if (!err || err.error_code === undefined) return { kind: 'transient', reason: 'network error' };
  const description = err.description ?? `error ${err.error_code}`;
  if (err.error_code === 429)
    return { kind: 'rate_limited', retryAfter: Math.max(1, err.parameters?.retry_after ?? 5) };
  if (err.parameters?.migrate_to_chat_id)
    return {
      kind: 'permanent',
      reason: `${description}: the group became a supergroup with id ${err.parameters.migrate_to_chat_id} (update TELEGRAM_OPS_CHAT_ID)`,
    };
  if (err.error_code === 403 || err.error_code === 400 || err.error_code === 404)
    return { kind: 'permanent', reason: description };
  return { kind: 'transient', reason: description };
}
