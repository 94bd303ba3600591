/** A spread tier as typed into the form (both fields text until they are checked). */
export interface TierDraft {
  fromUsdt: string;
  bps: string;
}

const PRICE = /^\d{1,12}(\.\d{1,12})?$/;
const WHOLE = /^\d{1,13}$/;
/** The widest spread the desk accepts (src/trading/pricing.ts MAX_SPREAD_BPS). */
export const MAX_SPREAD_BPS = 1000;

/** What is wrong with a typed mid, in plain words; undefined when it reads as a positive price. */
export function checkMid(text: string): string | undefined {
  const t = text.trim();
  if (!t) return 'Enter the new mid, like 1.0002.';
  if (!PRICE.test(t)) return 'Use digits and at most one dot, like 1.0002 (no commas, no letters).';
  if (Number(t) <= 0) return 'The mid must be above 0.';
  return undefined;
}

/** How far `to` is from `from`, in basis points (1 bp = 0.01 %). */
export function moveBps(from: string, to: string): number {
  const a = Number(from);
  return a > 0 ? (Math.abs(Number(to) - a) / a) * 10_000 : 0;
}

/**
 * The server's tier rules, said before anything is sent: the first tier from 0, amounts whole USDT and
 * ascending, spreads whole bps from the desk's minimum to 1000. Keys are `<row>.fromUsdt` / `<row>.bps`.
 */
export function checkTiers(
  tiers: readonly TierDraft[],
  minBps: number,
): { tiers: Record<string, string>; form?: string } {
  const out: Record<string, string> = {};
  let previous: number | undefined;
  tiers.forEach((t, i) => {
    const from = t.fromUsdt.trim();
    if (!WHOLE.test(from)) out[`${i}.fromUsdt`] = 'Enter whole USDT, digits only, like 100000.';
    else if (i === 0 && Number(from) !== 0) out[`${i}.fromUsdt`] = 'The first tier starts at 0.';
    else if (previous !== undefined && Number(from) <= previous)
      out[`${i}.fromUsdt`] = `Must be above the tier before (${previous.toLocaleString('en-US')}).`;
    if (WHOLE.test(from)) previous = Number(from);
    const bps = t.bps.trim();
    if (!/^\d{1,4}$/.test(bps)) out[`${i}.bps`] = 'Enter whole basis points, like 15 (0.15 %).';
    else if (Number(bps) < minBps) out[`${i}.bps`] = `The desk's minimum spread is ${minBps} bps.`;
    else if (Number(bps) > MAX_SPREAD_BPS) out[`${i}.bps`] = `At most ${MAX_SPREAD_BPS} bps (10 %).`;
  });
  return tiers.length === 0 ? { tiers: out, form: 'Keep at least one tier, from 0.' } : { tiers: out };
}
