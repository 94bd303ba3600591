import { useState } from 'react';
import { api } from '../../api/client';
import type { ChangeRequest } from '../../api/types';
import { FieldError, FormError } from '../../components/FormError';
import { splitProblem } from '../../components/problems';
import { usdt } from '../settlements/model';
import { Filed } from './Filed';
import { share, type ClientDetail } from './model';
import { useFile } from './useFile';
import { FilingWarning } from '../../components/FilingWarning';

const AMOUNT = /^\d{1,15}(\.\d{1,6})?$/;

/** Limits and what the last 24 hours used of them; a `client.limits` request to change them. */
export function LimitsSection({
  client,
  canRequest,
  open,
}: {
  client: ClientDetail;
  canRequest: boolean;
  /** Ids of the open requests about this client. */
  open: Set<string>;
}) {
  const { limits } = client;
  const [perTrade, setPerTrade] = useState('');
  const [perDay, setPerDay] = useState('');
  const [local, setLocal] = useState<{ perTrade?: string; perDay?: string }>({});
  const file = useFile<ChangeRequest>(client.id);
  const server = splitProblem(file.error, { perTrade: ['maxPerTradeUsdt'], perDay: ['maxPerDayUsdt'] });
  const used = share(limits.bookedLast24hUsdt, limits.maxPerDayUsdt);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const bad = (v: string) =>
      v.trim() && !AMOUNT.test(v.trim()) ? 'Enter an amount in USDT, like 250000 or 1500.5.' : undefined;
    const problems = { perTrade: bad(perTrade), perDay: bad(perDay) };
    setLocal(problems);
    if (problems.perTrade || problems.perDay) return;
    const done = await file.run(() =>
      api.post<ChangeRequest>(`/api/clients/${client.id}/limits`, {
        maxPerTradeUsdt: perTrade.trim() || null,
        maxPerDayUsdt: perDay.trim() || null,
      }),
    );
    if (done) {
      setPerTrade('');
      setPerDay('');
    }
  };

  return (
    <section className="card" aria-labelledby="limits-title" data-testid="client-limits">
      <h2 id="limits-title">Limits</h2>
      <dl className="facts">
        <dt>Per trade</dt>
        <dd className="nowrap">{usdt(limits.maxPerTradeUsdt)} USDT</dd>
        <dt>Per 24 h</dt>
        <dd className="nowrap">{usdt(limits.maxPerDayUsdt)} USDT</dd>
        <dt>Used, last 24 h</dt>
        <dd data-testid="limits-used">
          {usdt(limits.bookedLast24hUsdt)} USDT (
          {used === 0 && Number(limits.bookedLast24hUsdt) > 0 ? 'under 1' : used}%)
          <div className="meter" aria-hidden="true">
            <span style={{ width: `${used}%` }} />
          </div>
        </dd>
      </dl>
      <p className="field-hint">{limits.own ? 'The client’s own limits.' : 'The desk’s default limits.'}</p>
      {file.done && open.has(file.done.id) && <Filed id={file.done.id} what="Limits change requested." />}
      {canRequest && (
        <form onSubmit={(e) => void submit(e)} noValidate aria-label="Request new limits">
          <div className="form-grid">
            <div>
              <label htmlFor="limit-trade">New per-trade limit (USDT)</label>
              <input
                id="limit-trade"
                inputMode="decimal"
                placeholder="blank: the default"
                value={perTrade}
                onChange={(e) => setPerTrade(e.target.value)}
              />
              <FieldError id="limit-trade-error" message={local.perTrade ?? server.fields.perTrade} />
            </div>
            <div>
              <label htmlFor="limit-day">New 24-hour limit (USDT)</label>
              <input
                id="limit-day"
                inputMode="decimal"
                placeholder="blank: the default"
                value={perDay}
                onChange={(e) => setPerDay(e.target.value)}
              />
              <FieldError id="limit-day-error" message={local.perDay ?? server.fields.perDay} />
            </div>
          </div>
          <FilingWarning kind="client.limits" />
          <FormError error={server.form} />
          <button type="submit" className="secondary" disabled={file.busy}>
            {file.busy ? 'Filing…' : 'Request these limits'}
          </button>
        </form>
      )}
    </section>
  );
}
