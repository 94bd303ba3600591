import { AppError } from './errors.js';
import { isUuid } from './ids.js';
import { inDeskRange } from './dates.js';

/** Keyset pagination over (timestamp desc, id desc): an opaque cursor naming the last row of a page. */
export const encodeCursor = (at: Date, id: string) =>
  Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');

export function decodeCursor(cursor: string): { at: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const date = new Date(at ?? '');
  if (!id || !isUuid(id) || !inDeskRange(date))
    throw new AppError('VALIDATION_FAILED', 'The cursor is not one this API returned.', [
      { path: 'querystring.cursor', message: 'is invalid' },
    ]);
  return { at: date, id };
}
