import type { Executor } from '../shared/db.js';
import type { Network } from '../shared/networks.js';

/** A transfer built and signed but not yet sent: persist it, then broadcast exactly this. */
export interface PreparedTransfer {
  txHash: string;
  raw: string;
}

export interface ChainTransfer {
  txHash: string;
  from: string;
  to: string;
  amountUnits: bigint;
  blockHeight: number;
  confirmations: number;
}

/**
 * What the desk needs from a chain. `broadcast` is idempotent for the same signed transfer (a chain
 * refuses a transaction it already has), which is what makes "persist, then broadcast" safe to
 * repeat after a crash. Errors thrown by an adapter are treated as transient and retried.
 */
export interface WalletAdapter {
  readonly kind: 'paper';
  /** True for the simulated chain: API responses, the console and the bot say PAPER. */
  readonly paper: boolean;
  balance(network: Network, address: string): Promise<bigint>;
  prepareTransfer(t: {
    network: Network;
    from: string;
    to: string;
    amountUnits: bigint;
    reference: string;
  }): Promise<PreparedTransfer>;
  /**
   * `ex`: the caller's open transaction. The paper chain broadcasts inside it (the transfer commits or
   * rolls back with the caller's record of it); an adapter for a real chain ignores it.
   */
  broadcast(network: Network, raw: string, ex?: Executor): Promise<{ txHash: string }>;
  /** null when the chain does not know the transaction; otherwise blocks since (and including) its own. `ex` as for `broadcast`. */
  confirmations(network: Network, txHash: string, ex?: Executor): Promise<number | null>;
  incomingTransfers(
    network: Network,
    to: string,
    opts?: { from?: string; sinceHeight?: number },
  ): Promise<ChainTransfer[]>;
}

export class ChainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChainError';
  }
}
