import { describe, expect, it } from 'vitest';
import { formatAge, formatSpan, timeLeft } from './time';

const T = Date.parse('2026-01-01T12:00:00Z');
const at = (ms: number) => new Date(T + ms).toISOString();

describe('formatSpan', () => {
  it.each([
    [-5_000, '0 s'],
    [999, '0 s'],
    [42_000, '42 s'],
    [60_000, '1 min 00 s'],
    [12 * 60_000 + 7_000, '12 min 07 s'],
    [3 * 3600_000 + 5 * 60_000 + 59_000, '3 h 05 min'],
    [28 * 3600_000, '1 d 4 h'],
  ])('%i ms → %s', (ms, text) => expect(formatSpan(ms)).toBe(text));
});

describe('timeLeft', () => {
  it('counts down an open request, warning in its last 15 minutes', () => {
    expect(timeLeft({ status: 'pending', expiresAt: at(4 * 3600_000) }, T)).toEqual({
      text: '4 h 00 min',
      tone: 'ok',
    });
    expect(timeLeft({ status: 'awaiting_secondary', expiresAt: at(15 * 60_000) }, T)).toEqual({
      text: '15 min 00 s',
      tone: 'soon',
    });
    expect(timeLeft({ status: 'pending', expiresAt: at(30_000) }, T + 1_000)).toEqual({
      text: '29 s',
      tone: 'soon',
    });
  });
  it('says expired once the time is up, even before the desk closes it', () => {
    expect(timeLeft({ status: 'pending', expiresAt: at(0) }, T)).toEqual({
      text: 'expired',
      tone: 'expired',
    });
  });
  it('a decided request has no time left', () => {
    for (const status of ['approved', 'rejected', 'expired', 'cancelled', 'failed'] as const)
      expect(timeLeft({ status, expiresAt: at(3600_000) }, T)).toEqual({ text: '—', tone: 'closed' });
  });
});

describe('formatAge', () => {
  it('reads as a past span', () => {
    expect(formatAge(at(0), T + 2_000)).toBe('just now');
    expect(formatAge(at(0), T + 5 * 60_000 + 2_000)).toBe('5 min 02 s ago');
    expect(formatAge(at(0), T + 49 * 3600_000)).toBe('2 d 1 h ago');
  });
  it('never goes negative when the desk clock is ahead of the browser', () => {
    expect(formatAge(at(60_000), T)).toBe('just now');
  });
});
