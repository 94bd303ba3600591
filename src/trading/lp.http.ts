import { formatUsdt, parsePrice } from '../shared/money.js';
import type { PriceRequest, PricingSource } from './pricing.js';

/** The largest LP response body the desk reads; a longer one is refused, not buffered. */
export const LP_MAX_RESPONSE_BYTES = 64 * 1024;

/** What the desk POSTs to a liquidity provider (docs/trading.md, "Liquidity providers over HTTP"). */
export interface LpRequestBody {
  rfqId?: string;
  side: 'buy' | 'sell';
  network: 'tron' | 'ethereum';
  amountUnits: string;
  amountUsdt: string;
  deadline: string;
}

export interface HttpLpOptions {
  /** The source's name in `quotes.source` and in metrics. */
  name: string;
  url: string;
  /** Sent as `Authorization: Bearer <token>` when set. */
  token?: string;
  /** Tests may pass their own; the global fetch otherwise. */
  fetch?: typeof fetch;
}

/**
 * An external liquidity provider over HTTP: one POST per RFQ with the request as JSON, aborted at
 * the deadline; a `200 {"price": "1.0012"}` is its firm price. Anything else throws an Error with a
 * short plain reason, which the RFQ stores as the source's failure in `quotes.error`.
 */
export function createHttpLpSource(options: HttpLpOptions): PricingSource {
  const doFetch = options.fetch ?? fetch;
  return {
    name: options.name,
    async quote(request: PriceRequest, { deadline, signal }) {
      const body: LpRequestBody = {
        ...(request.rfqId ? { rfqId: request.rfqId } : {}),
        side: request.side,
        network: request.network,
        amountUnits: request.amountUnits.toString(),
        amountUsdt: formatUsdt(request.amountUnits),
        deadline: deadline.toISOString(),
      };
      // The caller's signal aborts at the deadline; the adapter also stops there on its own.
      const remaining = Math.max(0, deadline.getTime() - Date.now());
      const aborted = AbortSignal.any([signal, AbortSignal.timeout(remaining)]);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'application/json',
      };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const started = Date.now();
      const timedOut = () => new Error(`timeout: no answer before the deadline (${Date.now() - started} ms)`);

      let response: Response;
      try {
        // No redirects: a 3xx is a failure, and the bearer token never follows one elsewhere.
        response = await doFetch(options.url, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          signal: aborted,
          redirect: 'manual',
        });
      } catch (err) {
        if (aborted.aborted) throw timedOut();
        throw new Error(`unreachable: ${networkReason(err)}`);
      }

      let text: string;
      try {
        text = await readBounded(response, LP_MAX_RESPONSE_BYTES);
      } catch (err) {
        if (aborted.aborted) throw timedOut();
        throw err instanceof BodyTooLarge
          ? new Error(`response larger than ${LP_MAX_RESPONSE_BYTES} bytes`)
          : new Error(`response unreadable: ${networkReason(err)}`);
      }
      if (response.status !== 200) throw new Error(`HTTP ${response.status}${snippet(text)}`);

      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new Error(`response is not JSON${snippet(text)}`);
      }
      if (typeof json !== 'object' || json === null || Array.isArray(json))
        throw new Error('response is not a JSON object');
      const price = (json as { price?: unknown }).price;
      if (price === undefined || price === null) throw new Error('response has no "price"');
      if (typeof price !== 'string') throw new Error(`"price" must be a decimal string, got ${typeof price}`);
      const parsed = parsePrice(price);
      if (!parsed.ok)
        throw new Error(`invalid price ${JSON.stringify(price.slice(0, 40))}: ${parsed.reason}`);
      return { price: price.trim() };
    },
  };
}

class BodyTooLarge extends Error {}

/** Reads at most `limit` bytes of the body (Content-Length checked first); more is refused and the stream cancelled. */
async function readBounded(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw new BodyTooLarge();
  }
  if (!response.body) return '';
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A short, plain reason for a failed fetch (undici hides the useful part in `cause`). */
function networkReason(err: unknown): string {
  const cause =
    err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  const text = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
  return text.slice(0, 120);
}

/** The start of a body for an error message: one line, at most 80 characters. */
function snippet(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line ? `: ${line.length > 80 ? `${line.slice(0, 80)}…` : line}` : '';
}

/** The liquidity providers `PRICING_LP_URLS` names, each sent `PRICING_LP_TOKEN` when set. */
export function httpLpSources(
  config: { PRICING_LP_URLS: { name: string; url: string }[]; PRICING_LP_TOKEN?: string | undefined },
  fetchImpl?: typeof fetch,
): PricingSource[] {
  return config.PRICING_LP_URLS.map((lp) =>
    createHttpLpSource({
      ...lp,
      ...(config.PRICING_LP_TOKEN ? { token: config.PRICING_LP_TOKEN } : {}),
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
    }),
  );
}
