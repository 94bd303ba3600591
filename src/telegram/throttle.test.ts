import { describe, expect, it } from 'vitest';
import {
  backoffSeconds,
  classifyFailure,
  delayFor,
  newThrottleState,
  pauseChat,
  recordSend,
} from './throttle.js';

describe('delivery throttle rules', () => {
  it('spaces messages to one private chat a second apart, to a group three seconds apart', () => {
    const s = newThrottleState();
    recordSend(s, '42', 10_000);
    expect(delayFor(s, '42', 10_000)).toBe(1000);
    expect(delayFor(s, '42', 10_600)).toBe(400);
    expect(delayFor(s, '42', 11_000)).toBe(0);
    recordSend(s, '-100', 20_000);
    expect(delayFor(s, '-100', 20_000)).toBe(3000);
  });

  it('keeps the global rate under 25 a second across chats', () => {
    const s = newThrottleState();
    for (let i = 0; i < 25; i++) recordSend(s, String(i + 1), 0);
    expect(delayFor(s, '999', 0)).toBe(1000);
    expect(delayFor(s, '999', 1000)).toBe(0);
  });

  it('a 429 pauses the chat for retry_after seconds', () => {
    const s = newThrottleState();
    pauseChat(s, '42', 0, 7);
    expect(delayFor(s, '42', 0)).toBe(7000);
    expect(delayFor(s, '43', 0)).toBe(0);
  });

  it.each([
    [1, 5],
    [2, 10],
    [5, 80],
    [20, 900],
  ])('backoff after attempt %i is %i s', (attempts, seconds) => {
    expect(backoffSeconds(attempts)).toBe(seconds);
  });

  it.each([
    [
      { error_code: 429, description: 'Too Many Requests: retry after 12', parameters: { retry_after: 12 } },
      { kind: 'rate_limited', retryAfter: 12 },
    ],
    [
      { error_code: 403, description: 'Forbidden: bot was blocked by the user' },
      { kind: 'permanent', reason: 'Forbidden: bot was blocked by the user' },
    ],
    [
      { error_code: 400, description: 'Bad Request: chat not found' },
      { kind: 'permanent', reason: 'Bad Request: chat not found' },
    ],
    [
      { error_code: 502, description: 'Bad Gateway' },
      { kind: 'transient', reason: 'Bad Gateway' },
    ],
    [null, { kind: 'transient', reason: 'network error' }],
  ])('%j → %j', (err, outcome) => {
    expect(classifyFailure(err)).toEqual(outcome);
  });

  it('names the new id when a group became a supergroup', () => {
    expect(
      classifyFailure({
        error_code: 400,
        description: 'Bad Request: group chat was upgraded to a supergroup chat',
        parameters: { migrate_to_chat_id: -1009 },
      }),
    ).toMatchObject({ kind: 'permanent' });
    expect(
      JSON.stringify(
        classifyFailure({
          error_code: 400,
          description: 'upgraded',
          parameters: { migrate_to_chat_id: -1009 },
        }),
      ),
    ).toMatch(/-1009/);
  });
});
