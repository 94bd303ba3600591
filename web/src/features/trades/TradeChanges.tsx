import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client';
import type { ChangeRequest } from '../../api/types';
import { FieldError, FormError } from '../../components/FormError';
import { dateTime, STATUS_LABELS } from '../../components/format';
import { splitProblem } from '../../components/problems';
import { shortTime } from '../settlements/model';
import { Filed } from '../clients/Filed';
import { useFile } from '../clients/useFile';
import type { TradeDetail } from './model';

const KIND = { 'trade.cancel': 'Cancel', 'trade.amend': 'Amend' } as const;

/** Cancel and amend requests about this trade, and (while it is booked) the forms that file them. */
export function TradeChanges({ trade, canChange }: { trade: TradeDetail; canChange: boolean }) {
  const [mode, setMode] = useState<'cancel' | 'amend'>('amend');
  const [amount, setAmount] = useState('');
  const [address, setAddress] = useState('');
  const [reason, setReason] = useState('');
  const [local, setLocal] = useState<{ reason?: string; change?: string }>({});
  const file = useFile<ChangeRequest>();
  const server = splitProblem(file.error, { reason: ['reason'], amount: ['amount'], address: ['address'] });

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const problems = {
      reason: reason.trim() ? undefined : 'Say why, for the approvers.',
      change:
        mode === 'amend' && !amount.trim() && !address.trim()
          ? 'Enter a new amount, a new payout address, or both.'
          : undefined,
    };
    setLocal(problems);
    if (problems.reason || problems.change) return;
    const body =
      mode === 'cancel'
        ? { reason: reason.trim() }
        : {
            reason: reason.trim(),
            ...(amount.trim() ? { amount: amount.trim() } : {}),
            ...(address.trim() ? { address: address.trim() } : {}),
          };
    const done = await file.run(() => api.post<ChangeRequest>(`/api/trades/${trade.id}/${mode}`, body));
    if (done) {
      setReason('');
      setAmount('');
      setAddress('');
    }
  };

  return (
    <section className="card" aria-labelledby="changes-title" data-testid="trade-changes">
      <h2 id="changes-title">Cancel and amend requests</h2>
      {trade.requests.length === 0 ? (
        <p className="muted-text">None filed.</p>
      ) : (
        <ul className="address-list">
          {trade.requests.map((r) => (
            <li key={r.id} data-testid="trade-request">
              <div>
                <strong>{KIND[r.kind as keyof typeof KIND] ?? r.kind}</strong>{' '}
                <span className={`status ${r.status}`}>{STATUS_LABELS[r.status] ?? r.status}</span>
              </div>
              <Link to={`/approvals/${r.id}`}>{r.summary}</Link>
              <div className="field-hint">
                Filed by {r.requestedBy.name ?? (r.requestedBy.type === 'client' ? 'the client' : 'the desk')}{' '}
                <span title={dateTime(r.createdAt)}>{shortTime(r.createdAt)}</span>
                {r.note && <> · “{r.note}”</>}
              </div>
            </li>
          ))}
        </ul>
      )}
      {file.done && <Filed id={file.done.id} what="Request filed." />}
      {canChange && trade.status === 'booked' && (
        <form onSubmit={(e) => void submit(e)} noValidate aria-label="Request a change to this trade">
          <fieldset>
            <legend>What to ask for</legend>
            <div className="checks">
              {(['amend', 'cancel'] as const).map((m) => (
                <label key={m}>
                  <input type="radio" name="trade-change" checked={mode === m} onChange={() => setMode(m)} />
                  {m === 'amend' ? 'Amend the trade' : 'Cancel the trade'}
                </label>
              ))}
            </div>
          </fieldset>
          {mode === 'amend' && (
            <div className="form-grid">
              <div>
                <label htmlFor="amend-amount">New amount (USDT)</label>
                <input
                  id="amend-amount"
                  inputMode="decimal"
                  value={amount}
                  onChange={(e) => setAmount(e.target.value)}
                />
                <FieldError id="amend-amount-error" message={server.fields.amount ?? local.change} />
              </div>
              <div>
                <label htmlFor="amend-address">New payout address</label>
                <input
                  id="amend-address"
                  spellCheck={false}
                  value={address}
                  onChange={(e) => setAddress(e.target.value)}
                />
                <FieldError id="amend-address-error" message={server.fields.address} />
              </div>
            </div>
          )}
          <label htmlFor="change-reason">Reason</label>
          <textarea id="change-reason" rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
          <FieldError id="change-reason-error" message={local.reason ?? server.fields.reason} />
          <FormError error={server.form} />
          <button type="submit" className={mode === 'cancel' ? 'danger' : 'secondary'} disabled={file.busy}>
            {file.busy ? 'Filing…' : mode === 'cancel' ? 'Request cancellation' : 'Request the amendment'}
          </button>
        </form>
      )}
    </section>
  );
}
