import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { useSession } from '../../app/session';
import { errorMessage } from '../../api/messages';
import { dateTime, duration } from '../../components/format';
import { useNow } from '../approvals/useNow';
import { networkName, shortTime, usdt } from '../settlements/model';
import { QUOTE_WORDS, type Quote } from '../trades/model';
import { ReferenceRequestForm, SpreadsRequestForm, type Band } from './PricingRequests';

interface PricingOverview {
  reference: {
    mid: string;
    setAt: string | null;
    via: 'api' | 'config';
    stale: boolean;
    ageSeconds: number | null;
    requestId: string | null;
  } | null;
  maxAgeSeconds: number;
  band: Band;
  houseCanQuote: boolean;
  spreads: { via: 'api' | 'config'; setAt: string | null; tiers: { fromUsdt: string; bps: number }[] };
  sources: {
    name: string;
    lastHour: { answers: number; failed: number; latencyMsP50: number | null; latencyMsP95: number | null };
    recent: Quote[];
  }[];
}

const ms = (v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`);
const sourceName = (n: string) => (n === 'house' ? 'House pricer' : n);

/** Why the house pricer cannot quote, and what a newcomer does about it (first run). */
function FirstRunHint({ p }: { p: PricingOverview }) {
  if (p.houseCanQuote) return null;
  return (
    <div className="warn-box" role="status" data-testid="pricing-first-run">
      <strong>The house pricer cannot quote yet.</strong>{' '}
      {p.reference === null
        ? 'No reference price is set, so every RFQ the house is asked goes unanswered (clients get a quote only from a liquidity provider, if one is configured).'
        : `The reference was set ${duration((p.reference.ageSeconds ?? 0) * 1000)} ago, longer than the ${duration(p.maxAgeSeconds * 1000)} it stays valid, so the house refuses to quote on it.`}{' '}
      {p.reference === null ? (
        <>
          Request the first reference below (two more people approve it), or set{' '}
          <code>PRICING_REFERENCE_MID</code> (for example <code>1.0002</code>) in the desk’s environment and
          restart.
        </>
      ) : (
        <>
          A risk officer refreshes it within {p.band.maxMoveBps} bps (<code>PUT /api/pricing/reference</code>,
          step-up, audited); a bigger move is a request below.
        </>
      )}
    </div>
  );
}

/**
 * Pricing: the house reference mid, its age and whether it is stale, the spread tiers, each source's
 * recent answers with their latency, and the forms that file the co-signed `pricing.reference` and
 * `pricing.spreads` requests (nobody sets prices alone: docs/trading.md "The price band").
 */
export function PricingPage() {
  const now = useNow(1000);
  const { can } = useSession();
  const q = useQuery({
    queryKey: ['pricing', 'overview'],
    queryFn: () => api.get<PricingOverview>('/api/pricing/overview'),
    refetchInterval: 15_000,
  });
  if (q.isPending)
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  if (q.isError)
    return (
      <p className="form-error" role="alert">
        {errorMessage(q.error)}
      </p>
    );
  const p = q.data;
  const ref = p.reference;
  const age =
    ref?.ageSeconds === null || !ref ? null : ref.ageSeconds * 1000 + Math.max(0, now - q.dataUpdatedAt);
  return (
    <div className="screen pricing-page">
      <h1>Pricing</h1>
      <p className="lede">
        Every RFQ asks each source at once; the client gets the best answer. The house pricer quotes the
        reference mid with the spread of the amount’s tier.
      </p>
      <FirstRunHint p={p} />
      <div className="columns">
        <section className="card" aria-labelledby="ref-title" data-testid="pricing-reference">
          <h2 id="ref-title">Reference mid</h2>
          {ref ? (
            <dl className="facts">
              <dt>Mid</dt>
              <dd>
                <strong className="big-number">{ref.mid}</strong> USD per USDT{' '}
                {ref.stale ? (
                  <span className="status failed">Stale</span>
                ) : (
                  <span className="status approved">Fresh</span>
                )}
              </dd>
              <dt>Set</dt>
              <dd>
                {ref.via === 'config' ? (
                  'from PRICING_REFERENCE_MID (config); does not go stale'
                ) : (
                  <>
                    {ref.requestId ? (
                      <Link to={`/approvals/${ref.requestId}`}>by a co-signed request</Link>
                    ) : (
                      'by a risk officer, within the band'
                    )}{' '}
                    <span title={dateTime(ref.setAt)}>{age === null ? '' : `${duration(age)} ago`}</span>
                  </>
                )}
              </dd>
              <dt>Valid for</dt>
              <dd>{duration(p.maxAgeSeconds * 1000)} after it is set</dd>
              <dt>Band</dt>
              <dd>
                one person moves it at most {p.band.maxMoveBps} bps
                {p.band.anchorMid ? ` from the last co-signed ${p.band.anchorMid}` : ''}
              </dd>
            </dl>
          ) : (
            <p className="muted-text">No reference price.</p>
          )}
          <h3>Spread tiers</h3>
          <table className="data" data-testid="spread-tiers">
            <thead>
              <tr>
                <th scope="col">From (USDT)</th>
                <th scope="col">Spread</th>
              </tr>
            </thead>
            <tbody>
              {p.spreads.tiers.map((t) => (
                <tr key={t.fromUsdt}>
                  <td>{usdt(t.fromUsdt)}</td>
                  <td>
                    {t.bps} bps ({(t.bps / 100).toFixed(2)}%)
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="field-hint">
            {p.spreads.via === 'config'
              ? 'From PRICING_SPREAD_TIERS (config).'
              : `Set by a co-signed request ${dateTime(p.spreads.setAt)}.`}{' '}
            No tier may be below {p.band.minSpreadBps} bps.
          </p>
        </section>
        <section className="card" aria-labelledby="lp-title" data-testid="pricing-sources">
          <h2 id="lp-title">Sources, last hour</h2>
          {p.sources.map((s) => (
            <div key={s.name} className="source" data-testid="pricing-source" data-source={s.name}>
              <h3>{sourceName(s.name)}</h3>
              <p className="field-hint">
                {s.lastHour.answers} asked · {s.lastHour.failed} unanswered · latency p50{' '}
                {ms(s.lastHour.latencyMsP50)}, p95 {ms(s.lastHour.latencyMsP95)}
              </p>
              {s.recent.length === 0 ? (
                <p className="muted-text">Not asked yet.</p>
              ) : (
                <ul className="address-list">
                  {s.recent.map((a) => (
                    <li key={a.id}>
                      <span className={`status quote-${a.status}`}>{QUOTE_WORDS[a.status]}</span>{' '}
                      {a.price ?? '—'} for {a.side === 'sell' ? 'a sell of' : 'a buy of'} {usdt(a.amountUsdt)}{' '}
                      USDT on {networkName(a.network)} · {a.latencyMs} ms ·{' '}
                      <span title={dateTime(a.receivedAt)}>{shortTime(a.receivedAt)}</span>
                      {a.error && <div className="field-hint">{a.error}</div>}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          ))}
        </section>
      </div>
      {can('approvals:request') && (
        <div className="columns">
          <ReferenceRequestForm current={ref?.mid ?? null} band={p.band} />
          <SpreadsRequestForm key={JSON.stringify(p.spreads.tiers)} current={p.spreads.tiers} band={p.band} />
        </div>
      )}
    </div>
  );
}
