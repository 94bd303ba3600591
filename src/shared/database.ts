import type { AuditTables } from '../audit/audit.tables.js';
import type { OperatorTables } from '../operators/operators.tables.js';

/**
 * The whole schema as Kysely sees it: each domain declares its own tables in `<domain>.tables.ts`
 * and is the only one that queries them.
 */
export interface Database extends AuditTables, OperatorTables {}
