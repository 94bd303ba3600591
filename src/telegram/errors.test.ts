import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/errors.js';
import { plainWords } from './errors.js';

describe('the flood refusals in Telegram (issue 14 item 12)', () => {
  it('a duplicate request and the filing rate read as plain messages, without API paths', () => {
    const duplicate = plainWords(
      new AppError(
        'DUPLICATE_REQUEST',
        'An identical trade.cancel request is already open (abc): decide or cancel that one instead of filing it again (GET /api/approvals/abc).',
      ),
    );
    expect(duplicate).toBe(
      '<b>ℹ️ Already requested</b>\nAn identical trade.cancel request is already open (abc): decide or cancel that one instead of filing it again.',
    );
    const rate = plainWords(
      new AppError('RATE_LIMITED', 'You have filed 20 change requests in the last minute.'),
    );
    expect(rate).toMatch(/^<b>🐢 Slow down<\/b>\nYou have filed 20/);
  });
});
