import { isIP } from 'node:net';
import { Decimal } from 'decimal.js';
import { z } from 'zod';
import { parseUsdt, type SpreadTier } from './shared/money.js';
import { NETWORKS, type Network } from './shared/networks.js';

/** A problem with the settings: one line saying what to change, before anything starts. */
export class ConfigError extends Error {}

/**
 * A zod transform from a parser that throws: the thrown message becomes the setting's issue, so a
 * bad value is named in the one start-up line like any other.
 */
export const parsedWith =
  <T>(parse: (text: string) => T) =>
  (text: string, ctx: z.RefinementCtx): T => {
    try {
      return parse(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
      return z.NEVER;
    }
  };

/** A positive USDT amount setting such as `250000` → smallest units. */
export function parseUsdtSetting(text: string): bigint {
  const r = parseUsdt(text);
  if (!r.ok) throw new Error(r.reason);
  return r.units;
}

/** `TRUST_PROXY` → Fastify's `trustProxy`: `false`, a hop count, or addresses, CIDRs and proxy-addr's named ranges. */
export function parseTrustProxy(text: string): false | number | string[] {
  const value = text.trim();
  if (value === '' || value === 'false') return false;
  if (value === 'true')
    throw new Error("true would believe any X-Forwarded-For: give the hop count or the proxies' addresses");
  if (/^\d+$/.test(value)) return Number(value) === 0 ? false : Number(value);
  return value.split(',').map((entry) => {
    const item = entry.trim();
    if (['loopback', 'linklocal', 'uniquelocal'].includes(item)) return item;
    const [addr = '', prefix, extra] = item.split('/');
    const family = isIP(addr);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || extra !== undefined || !prefixOk)
      throw new Error(`"${item}" is not an address, a CIDR, loopback, linklocal or uniquelocal`);
    return item;
  });
}

/**
 * `PRICING_LP_URLS` → the liquidity providers: `name=url` pairs separated by commas; names are
 * 1–40 of `a-z 0-9 -`, unique and not `house`; URLs are http(s) without credentials.
 */
export function parseLpUrls(text: string | undefined): { name: string; url: string }[] {
  if (text === undefined || text.trim() === '') return [];
  const seen = new Set<string>();
  return text.split(',').map((pair) => {
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    const url = pair.slice(at + 1).trim();
    if (at < 0 || !/^[a-z0-9-]{1,40}$/.test(name))
      throw new Error(`"${pair.trim()}" is not name=url (a name is 1–40 of a-z 0-9 -)`);
    if (name === 'house')
      throw new Error('"house" is the built-in pricer: name the liquidity provider otherwise');
    if (seen.has(name)) throw new Error(`the liquidity provider "${name}" is named twice`);
    seen.add(name);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`${name}: "${url}" is not a URL`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
      throw new Error(`${name}: the URL must be http(s)`);
    if (parsed.username || parsed.password)
      throw new Error(`${name}: put no credentials in the URL (use PRICING_LP_TOKEN)`);
    return { name, url: parsed.toString() };
  });
}

/** `fromUsdt:bps,…` → tiers sorted by notional; the first tier must start at 0. */
export function parseSpreadTiers(text: string): SpreadTier[] {
  const tiers = text.split(',').map((pair) => {
    const [from = '', bps = ''] = pair.split(':');
    if (!/^\d+$/.test(from) || !/^\d+(\.\d+)?$/.test(bps))
      throw new Error(`spread tier "${pair}" is not fromUsdt:bps`);
    return { fromUnits: BigInt(from) * 1_000_000n, bps: new Decimal(bps) };
  });
  tiers.sort((a, b) => (a.fromUnits < b.fromUnits ? -1 : a.fromUnits > b.fromUnits ? 1 : 0));
  if (tiers[0]?.fromUnits !== 0n) throw new Error('the first spread tier must start at 0');
  if (new Set(tiers.map((t) => t.fromUnits)).size !== tiers.length)
    throw new Error('two spread tiers start at the same notional');
  return tiers;
}

/** `network:n,…` → confirmations per network (at least 1; a network not named needs 1). */
export function parseConfirmations(spec: string): Record<Network, number> {
  const out = Object.fromEntries(NETWORKS.map((n) => [n, 1])) as Record<Network, number>;
  for (const part of spec.split(',')) {
    const [network, n] = part.split(':');
    if ((NETWORKS as readonly string[]).includes(network ?? '') && n)
      out[network as Network] = Math.max(1, Number(n));
  }
  return out;
}
