import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { request } from '../../api/client';
import { FieldError, FormError } from '../../components/FormError';
import { splitProblem } from '../../components/problems';
import { ReasonField } from '../../components/ReasonField';
import { alertKeys, type AlertRule } from './queries';

const CHOICES = [15, 30, 60, 120, 240, 480, 1440];

/** Silences a rule for a bounded time with a reason (step-up: the console asks for a code). */
export function SilenceForm({ rule, onDone }: { rule: AlertRule; onDone: () => void }) {
  const [minutes, setMinutes] = useState(60);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const client = useQueryClient();
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const minutesRef = useRef<HTMLSelectElement>(null);
  const problem = splitProblem(error, { minutes: ['minutes'], reason: ['reason'] });
  useEffect(() => {
    if (problem.first === 'minutes') minutesRef.current?.focus();
    if (problem.first === 'reason') reasonRef.current?.focus();
  }, [error]); // once per refusal

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await request('POST', `/api/alerts/${encodeURIComponent(rule.name)}/silence`, {
        body: { minutes, reason },
      });
      void client.invalidateQueries({ queryKey: alertKeys.list });
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const id = `silence-${rule.name}`;
  return (
    <form
      className="silence-form"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-label={`Silence ${rule.name}`}
    >
      <p className="form-intro">
        Silencing mutes the Telegram notices of <strong>{rule.name}</strong>. It keeps being evaluated and
        recorded, and the console and metrics still show it.
        {rule.severity === 'critical' && ' A critical rule can be silenced for a limited time only.'}
      </p>
      <div className="field">
        <label htmlFor={`${id}-minutes`}>For how long</label>
        <select
          id={`${id}-minutes`}
          ref={minutesRef}
          value={minutes}
          aria-invalid={problem.fields.minutes ? true : undefined}
          aria-describedby={problem.fields.minutes ? `${id}-minutes-error` : undefined}
          onChange={(e) => setMinutes(Number(e.target.value))}
        >
          {CHOICES.map((m) => (
            <option key={m} value={m}>
              {m < 60 ? `${m} minutes` : m === 60 ? '1 hour' : m < 1440 ? `${m / 60} hours` : '1 day'}
            </option>
          ))}
        </select>
        <FieldError id={`${id}-minutes-error`} message={problem.fields.minutes} />
      </div>
      <ReasonField
        id={`${id}-reason`}
        ref={reasonRef}
        label="Why"
        required
        value={reason}
        onChange={setReason}
        error={problem.fields.reason}
      />
      <FormError error={problem.form} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Silencing…' : 'Silence'}
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
