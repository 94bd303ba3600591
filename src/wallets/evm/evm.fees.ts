/** EIP-1559 fee rules, in wei: what to offer, whether the cap allows it, and a replacement's bump. */

export const GWEI = 1_000_000_000n;

export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** A replacement must raise both fee fields by at least this (nodes refuse less: "underpriced"). */
export const BUMP_PERCENT = 125n; // × 1/1000 → 12.5 %

/** Fees for a new transaction: room for the base fee to double, and the node's suggested tip. */
export function offer(baseFee: bigint, tip: bigint): Fees {
  return { maxFeePerGas: 2n * baseFee + tip, maxPriorityFeePerGas: tip };
}

/**
 * Within the cap: the offer, its max fee lowered to the cap when only the headroom is above it.
 * Null when the base fee plus the tip is above the cap: such a transaction could not be mined now.
 */
export function capped(fees: Fees, baseFee: bigint, capWei: bigint): Fees | null {
  if (baseFee + fees.maxPriorityFeePerGas > capWei) return null;
  return {
    maxFeePerGas: fees.maxFeePerGas > capWei ? capWei : fees.maxFeePerGas,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
  };
}

/** Both fields raised by ≥ 12.5 % (rounded up, at least 1 wei), or to the network's current offer if higher. */
export function bumped(previous: Fees, current: Fees): Fees {
  const up = (v: bigint) => v + ((v * BUMP_PERCENT + 999n) / 1000n || 1n);
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  const tip = max(up(previous.maxPriorityFeePerGas), current.maxPriorityFeePerGas);
  const fee = max(max(up(previous.maxFeePerGas), current.maxFeePerGas), tip);
  return { maxFeePerGas: fee, maxPriorityFeePerGas: tip };
}

/** `12.5` gwei → wei; the setting EVM_MAX_FEE_GWEI allows up to 9 decimals. */
export function gweiToWei(gwei: string): bigint {
  const [whole = '0', frac = ''] = gwei.split('.');
  return BigInt(whole) * GWEI + BigInt((frac + '000000000').slice(0, 9));
}

export function weiToGwei(wei: bigint): string {
  const whole = wei / GWEI;
  const frac = (wei % GWEI).toString().padStart(9, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : whole.toString();
}
