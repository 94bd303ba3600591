import { BaseError, type Hex, type PublicClient } from 'viem';
import { ChainError } from '../adapter.js';

/** Everything a node said about a refused transaction, through viem's wrappers. */
export function nodeText(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && depth < 8; depth++) {
    if (e instanceof BaseError) parts.push(e.details ?? '', e.shortMessage);
    if (e instanceof Error) parts.push(e.message);
    e = (e as { cause?: unknown }).cause;
  }
  return parts.filter(Boolean).join(' | ');
}

const ALREADY = /already known|known transaction|already imported|already in (the )?mempool/i;
const NONCE_LOW = /nonce too low|nonce has already been used/i;
const UNDERPRICED = /underpriced/i;
/** An earlier nonce of the wallet has not reached the node (hardhat's automine says so; others queue it). */
export const NONCE_HIGH = /nonce too high/i;
/** Refusals that sending the same bytes again can never overcome. */
const PERMANENT =
  /exceeds block gas limit|intrinsic gas too low|invalid sender|invalid signature|incompatible chain ?id|invalid chain ?id|oversized data|transaction type not supported/i;

/** The node will never take this transaction: its nonce must be filled by another. */
export class RefusedForGood extends ChainError {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedForGood';
  }
}

export type SendOutcome = 'sent' | 'known' | 'nonce-used' | 'underpriced';

/**
 * eth_sendRawTransaction with the node's answers sorted: "already known" (it has these bytes),
 * "nonce too low" (a transaction at that nonce is mined: ours, or the slot is taken — follow decides),
 * "underpriced" (an attempt of ours with higher fees holds the slot) are not failures; a permanent
 * refusal is `RefusedForGood`; anything else (node down, timeout) a transient `ChainError`.
 */
export async function sendRaw(client: PublicClient, raw: Hex): Promise<SendOutcome> {
  try {
    await client.request({ method: 'eth_sendRawTransaction', params: [raw] });
    return 'sent';
  } catch (err) {
    const text = nodeText(err);
    if (ALREADY.test(text)) return 'known';
    if (NONCE_LOW.test(text)) return 'nonce-used';
    if (UNDERPRICED.test(text)) return 'underpriced';
    const first = text.split(' | ')[0]?.slice(0, 300) ?? 'refused';
    if (PERMANENT.test(text)) throw new RefusedForGood(first);
    throw new ChainError(`the EVM node did not take the transaction: ${first}`);
  }
}
