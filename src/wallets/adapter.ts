import type { Tx } from '../shared/db.js';
import type { Network } from '../shared/networks.js';
import type { AdapterKind } from './wallets.tables.js';

/** A transfer built and signed but not yet sent: persist it, then broadcast exactly this. */
export interface PreparedTransfer {
  txHash: string;
  raw: string;
  /** What the settlement timeline shows of it (fees, the slot it takes); opaque to the worker. */
  detail?: Record<string, string>;
}

export interface TransferRequest {
  network: Network;
  from: string;
  to: string;
  amountUnits: bigint;
  /** What the transfer is for (a settlement id): kept with it by the adapter. */
  reference: string;
}

/** What `plan` found out on the network (fees, gas) for `sign` to use; opaque to the worker. */
export interface TransferPlan {
  request: TransferRequest;
  chain?: unknown;
}

/** One signed transaction sent for a transfer: the first, a fee-bumped replacement, a filler. */
export interface AttemptInfo {
  txHash: string;
  n: number;
  filler: boolean;
  maxFeeGwei?: string;
  priorityFeeGwei?: string;
  at: string;
}

/** Gas paid by a mined transaction of the desk's, in the chain's gas asset's smallest unit. */
export interface GasFee {
  txHash: string;
  asset: string;
  units: bigint;
}

/**
 * Where a transfer stands on the chain:
 *   unknown — the chain does not know it (never sent, dropped, or its block left the chain);
 *   pending — sent, in no block yet (`note` says why it waits, e.g. fees above the cap);
 *   mined   — in a block of the canonical chain, `confirmations` deep (counting its own block);
 *             `success` false: it reverted and moved nothing;
 *   dead    — it can never be mined (its slot was taken by another transaction, or it expired).
 */
export type TransferFate =
  | { state: 'unknown' }
  | { state: 'pending'; note?: string }
  | { state: 'mined'; txHash: string; confirmations: number; success: boolean; block: number }
  | { state: 'dead'; why: string };

export interface FollowResult {
  fate: TransferFate;
  /** Every attempt of the desk's own transfer (empty for someone else's transaction, e.g. a deposit). */
  attempts: AttemptInfo[];
  /** Gas paid by the attempts of this transfer that are mined and final. */
  fees: GasFee[];
}

export interface ChainTransfer {
  txHash: string;
  from: string;
  to: string;
  amountUnits: bigint;
  blockHeight: number;
  confirmations: number;
}

/** Balances of an address at one block: USDT and (on a chain with one) the gas asset. */
export interface ChainSnapshot {
  height: number;
  balances: { asset: string; units: bigint }[];
}

/**
 * What the desk needs from a chain, one interface for the paper chain, EVM and (later) TRON. It has no
 * nonce: how a chain orders a wallet's transactions (EVM nonces) or lets them lapse (TRON's expiry)
 * stays inside its adapter, which keeps what it needs in its own tables.
 *
 * A payout is `plan` (network calls, outside any transaction), `sign` (in the caller's transaction:
 * nothing leaves the desk), `broadcast` (after the commit, outside any transaction; idempotent for the
 * same transfer), then `follow` until it is final. `abandon` makes sure a prepared transfer can never
 * land (or says it already did) before its reservation is released. Errors are transient and retried,
 * except `TransferDead`, `FeeCapExceeded` and `WouldRevert`.
 */
export interface WalletAdapter {
  readonly kind: AdapterKind;
  /** True for the simulated chain: API responses, the console and the bot say PAPER. */
  readonly paper: boolean;
  /** The asset gas is paid in (`ETH`), or null when transfers cost the desk nothing (paper). */
  readonly gasAsset: string | null;
  balance(network: Network, address: string): Promise<bigint>;
  plan(request: TransferRequest): Promise<TransferPlan>;
  sign(tx: Tx, plan: TransferPlan): Promise<PreparedTransfer>;
  broadcast(network: Network, raw: string): Promise<unknown>;
  follow(network: Network, txHash: string): Promise<FollowResult>;
  /** `fees`: gas paid by what was mined in its slot (a filler) once it is final. */
  abandon(
    network: Network,
    txHash: string,
  ): Promise<{ outcome: 'dead' | 'landed' | 'pending'; fees: GasFee[] }>;
  incomingTransfers(network: Network, to: string, opts?: { from?: string }): Promise<ChainTransfer[]>;
  /** The address's balances at the chain's current block (reconciliation). */
  snapshot(network: Network, address: string): Promise<ChainSnapshot>;
  /**
   * Where a transfer (any attempt of it) was mined on the canonical chain, whether it moved anything,
   * and the gas the desk paid for it: reconciliation's transfers in flight.
   */
  mined(
    network: Network,
    txHash: string,
  ): Promise<{ block: number; success: boolean; gas: GasFee | null } | null>;
}

export class ChainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChainError';
  }
}

/** The transfer can never be mined (refused for good and its slot filled): sign a new one. */
export class TransferDead extends ChainError {
  constructor(message: string) {
    super(message);
    this.name = 'TransferDead';
  }
}

/** The network's fees are above the desk's cap: nothing is signed; the desk waits and says why. */
export class FeeCapExceeded extends ChainError {
  constructor(message: string) {
    super(message);
    this.name = 'FeeCapExceeded';
  }
}
