import { z } from 'zod';

/**
 * Instants the desk accepts from callers: years 1–9999. JavaScript reads `-100000-01-01` or
 * `+275760-09-13` as dates; PostgreSQL's timestamptz cannot hold them (and nothing on a trading desk
 * happens then), so they are refused at the boundary instead of failing in SQL.
 */
const EARLIEST = new Date('0001-01-01T00:00:00.000Z').getTime();
const LATEST = new Date('9999-12-31T23:59:59.999Z').getTime();

export function inDeskRange(d: Date): boolean {
  const t = d.getTime();
  return !Number.isNaN(t) && t >= EARLIEST && t <= LATEST;
}

/** A query-string date (anything `Date` reads) within years 1–9999. */
export const deskDate = z.coerce.date().refine(inDeskRange, 'must be a date between the years 1 and 9999');
