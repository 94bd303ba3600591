import type { z } from 'zod';
import type { Tx } from '../shared/db.js';
import type { AuditContext } from '../shared/request-context.js';

/** What an approver sees changing: one entry per field, before and after. */
export type Diff = { field: string; before: unknown; after: unknown }[];

export interface CurrentState {
  /** The entity the request changes, e.g. `{ type: 'flag', id: 'AUTO_SETTLEMENT' }`. */
  entity: { type: string; id: string };
  /**
   * The entity's version now; the co-sign re-reads it and fails the request if it moved. `apply`
   * must move it by exactly one: the engine re-reads it after applying and fails the request (rolling
   * the apply back) if anyone else moved it meanwhile.
   */
  version: number | null;
  diff: Diff;
  /** One line for lists and notifications, e.g. "Turn AUTO_SETTLEMENT on". */
  summary: string;
}

/**
 * A kind of change the engine can approve. Domains register their kinds at composition time; the
 * engine never needs to know what a kind does.
 */
export interface KindDefinition<P = unknown> {
  kind: string;
  schema: z.ZodType<P>;
  /** Reads the entity as it is now (inside the transaction) and describes the change. */
  describe(tx: Tx, payload: P): Promise<CurrentState>;
  /** Throws AppError when the change is not valid now; run when filing and again before applying. */
  validate(tx: Tx, payload: P, current: CurrentState): Promise<void>;
  /**
   * For kinds that move money: the amount (USDT smallest units) the change touches before and after
   * it, e.g. a trade's stored amount and its amount once amended. The engine computes it when filing,
   * stores it with the request and judges the policy's `notional` tiers on it, whichever payload
   * fields the change names (an address-only amend of a large trade is a large change).
   */
  notional?(
    tx: Tx,
    payload: P,
    current: CurrentState,
  ): Promise<{ before: bigint | null; after: bigint | null }>;
  /** Applies the change inside the co-signing transaction; the request id is the authority. */
  apply(tx: Tx, payload: P, ctx: ApplyContext): Promise<void>;
}

export interface ApplyContext {
  requestId: string;
  audit: AuditContext;
  approvers: { primaryId: string; secondaryId: string };
  /** Why the change was asked for and approved, and by whom: what a kind may record as its "why". */
  request?: {
    note: string | null;
    primaryReason: string | null;
    requestedBy: { type: string; id: string | null };
  };
}

export interface KindRegistry {
  register<P>(definition: KindDefinition<P>): void;
  get(kind: string): KindDefinition | undefined;
  kinds(): string[];
}

export function createKindRegistry(): KindRegistry {
  const kinds = new Map<string, KindDefinition>();
  return {
    register(definition) {
      if (kinds.has(definition.kind)) throw new Error(`approval kind ${definition.kind} is registered twice`);
      kinds.set(definition.kind, definition);
    },
    get: (kind) => kinds.get(kind),
    kinds: () => [...kinds.keys()].sort(),
  };
}
