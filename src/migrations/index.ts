import type { Migration } from 'kysely';
import * as m0001 from './0001_audit.js';
import * as m0002 from './0002_operators.js';

/**
 * Forward-only migrations, in order. Never edit one that has shipped: add the next file instead.
 * Pending migrations are applied in one transaction, so a failure leaves the schema as it was.
 */
export const migrations: Record<string, Migration> = {
  '0001_audit': m0001,
  '0002_operators': m0002,
};
