import { useState } from 'react';
import { api } from '../../api/client';
import type { ChangeRequest } from '../../api/types';
import { FieldError, FormError } from '../../components/FormError';
import { splitProblem } from '../../components/problems';
import { MIN_REASON, reasonLength } from '../../components/reason';
import { ReasonField } from '../../components/ReasonField';
import { Filed } from '../clients/Filed';
import { useFile } from '../clients/useFile';
import { checkMid, checkTiers, moveBps, type TierDraft } from './model';

export interface Band {
  maxMoveBps: number;
  minSpreadBps: number;
  anchorMid: string | null;
}

const reasonProblem = (reason: string) =>
  reasonLength(reason) < MIN_REASON
    ? `Say why in at least ${MIN_REASON} characters: it is what the approvers read.`
    : undefined;

const file = (kind: 'pricing.reference' | 'pricing.spreads', payload: unknown, note: string) =>
  api.post<ChangeRequest>('/api/approvals', { kind, payload, note });

/** Files `pricing.reference`: a new reference mid, applied when two more people approve it. */
export function ReferenceRequestForm({ current, band }: { current: string | null; band: Band }) {
  const [mid, setMid] = useState('');
  const [reason, setReason] = useState('');
  const [local, setLocal] = useState<{ mid?: string; reason?: string }>({});
  const filing = useFile<ChangeRequest>();
  const server = splitProblem(filing.error, { mid: ['payload.mid'], reason: ['note', 'reason'] });
  const move = current && checkMid(mid) === undefined ? moveBps(current, mid) : null;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const problems = { mid: checkMid(mid), reason: reasonProblem(reason) };
    setLocal(problems);
    if (problems.mid || problems.reason) return;
    if (await filing.run(() => file('pricing.reference', { mid: mid.trim() }, reason))) {
      setMid('');
      setReason('');
    }
  };

  return (
    <section className="card" aria-labelledby="ref-request-title" data-testid="reference-request">
      <h2 id="ref-request-title">Request a new reference</h2>
      <p className="form-intro">
        A risk officer may refresh the reference alone only within {band.maxMoveBps} bps (
        {(band.maxMoveBps / 100).toFixed(2)}%) of the current one and of the last co-signed one
        {band.anchorMid ? ` (${band.anchorMid})` : ''}. A bigger move, or the first reference of a desk, is a
        request: it changes the price only once a risk officer approves it and the co-signer they name
        co-signs it.
      </p>
      {filing.done && <Filed id={filing.done.id} what="Reference change requested." />}
      <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="ref-request-title">
        <div className="field">
          <label htmlFor="ref-mid">New mid (USD per USDT)</label>
          <input
            id="ref-mid"
            inputMode="decimal"
            placeholder={current ?? '1.0002'}
            value={mid}
            aria-invalid={local.mid || server.fields.mid ? true : undefined}
            aria-describedby="ref-mid-hint"
            onChange={(e) => setMid(e.target.value)}
          />
          <div id="ref-mid-hint" className="field-hint" data-testid="reference-move">
            {move === null
              ? 'Digits and one dot, like 1.0002.'
              : `${move.toFixed(1)} bps from the current ${current ?? ''}: ${
                  move > band.maxMoveBps ? 'more than one person may move it' : 'within the band'
                }.`}
          </div>
          <FieldError id="ref-mid-error" message={local.mid ?? server.fields.mid} />
        </div>
        <ReasonField
          required
          id="ref-reason"
          label="Why this reference?"
          value={reason}
          onChange={setReason}
          error={local.reason ?? server.fields.reason}
        />
        <FormError error={server.form} />
        <div className="actions">
          <button type="submit" disabled={filing.busy}>
            {filing.busy ? 'Filing…' : 'Request this reference'}
          </button>
        </div>
      </form>
    </section>
  );
}

/** Files `pricing.spreads`: the whole tier list, the only way the tiers change. */
export function SpreadsRequestForm({
  current,
  band,
}: {
  current: { fromUsdt: string; bps: number }[];
  band: Band;
}) {
  const [tiers, setTiers] = useState<TierDraft[]>(() =>
    current.map((t) => ({ fromUsdt: t.fromUsdt, bps: String(t.bps) })),
  );
  const [reason, setReason] = useState('');
  const [local, setLocal] = useState<{ tiers: Record<string, string>; reason?: string; form?: string }>({
    tiers: {},
  });
  const filing = useFile<ChangeRequest>();
  const paths: Record<string, string[]> = { reason: ['note', 'reason'], tiers: ['payload.tiers'] };
  tiers.forEach((_t, i) => {
    paths[`${i}.fromUsdt`] = [`payload.tiers.${i}.fromUsdt`];
    paths[`${i}.bps`] = [`payload.tiers.${i}.bps`];
  });
  const server = splitProblem(filing.error, paths);
  const fieldError = (key: string) => local.tiers[key] ?? server.fields[key];
  const edit = (i: number, change: Partial<TierDraft>) =>
    setTiers((all) => all.map((t, j) => (j === i ? { ...t, ...change } : t)));

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const checked = checkTiers(tiers, band.minSpreadBps);
    const problems = { ...checked, reason: reasonProblem(reason) };
    setLocal(problems);
    if (Object.keys(checked.tiers).length > 0 || checked.form || problems.reason) return;
    const payload = { tiers: tiers.map((t) => ({ fromUsdt: t.fromUsdt.trim(), bps: Number(t.bps) })) };
    if (await filing.run(() => file('pricing.spreads', payload, reason))) setReason('');
  };

  return (
    <section className="card" aria-labelledby="spreads-request-title" data-testid="spreads-request">
      <h2 id="spreads-request-title">Request new spread tiers</h2>
      <p className="form-intro">
        The tiers change only by a co-signed request. Each tier applies from its amount up to the next; the
        first starts at 0. No spread may be below {band.minSpreadBps} bps.
      </p>
      {filing.done && <Filed id={filing.done.id} what="Spread tiers change requested." />}
      <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="spreads-request-title">
        <ol className="tier-rows">
          {tiers.map((t, i) => (
            <li key={i} className="tier-row" data-testid="tier-row">
              <div>
                <label htmlFor={`tier-${i}-from`}>From (USDT)</label>
                <input
                  id={`tier-${i}-from`}
                  inputMode="numeric"
                  value={t.fromUsdt}
                  aria-invalid={fieldError(`${i}.fromUsdt`) ? true : undefined}
                  onChange={(e) => edit(i, { fromUsdt: e.target.value })}
                />
                <FieldError id={`tier-${i}-from-error`} message={fieldError(`${i}.fromUsdt`)} />
              </div>
              <div>
                <label htmlFor={`tier-${i}-bps`}>Spread (bps)</label>
                <input
                  id={`tier-${i}-bps`}
                  inputMode="numeric"
                  value={t.bps}
                  aria-invalid={fieldError(`${i}.bps`) ? true : undefined}
                  onChange={(e) => edit(i, { bps: e.target.value })}
                />
                <FieldError id={`tier-${i}-bps-error`} message={fieldError(`${i}.bps`)} />
              </div>
              <button
                type="button"
                className="secondary"
                disabled={tiers.length === 1}
                aria-label={`Remove tier ${i + 1}`}
                onClick={() => setTiers((all) => all.filter((_x, j) => j !== i))}
              >
                Remove
              </button>
            </li>
          ))}
        </ol>
        <button
          type="button"
          className="secondary"
          onClick={() => setTiers((all) => [...all, { fromUsdt: '', bps: String(band.minSpreadBps) }])}
        >
          Add a tier
        </button>
        <FieldError id="tiers-error" message={local.form ?? server.fields.tiers} />
        <ReasonField
          required
          id="spreads-reason"
          label="Why these spreads?"
          value={reason}
          onChange={setReason}
          error={local.reason ?? server.fields.reason}
        />
        <FormError error={server.form} />
        <div className="actions">
          <button type="submit" disabled={filing.busy}>
            {filing.busy ? 'Filing…' : 'Request these tiers'}
          </button>
        </div>
      </form>
    </section>
  );
}
