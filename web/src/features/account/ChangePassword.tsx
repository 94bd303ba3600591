import { useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import { FieldError, FieldHint, FormError } from '../../components/FormError';
import { splitProblem } from '../../components/problems';

const FIELDS = { current: ['currentPassword'], next: ['newPassword'] } as const;

/** Current password, new one twice. Success signs out every other session of this operator. */
export function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [mismatch, setMismatch] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<number | null>(null);
  const refs = { current: useRef<HTMLInputElement>(null), next: useRef<HTMLInputElement>(null) };
  const againRef = useRef<HTMLInputElement>(null);
  const problem = splitProblem(error, FIELDS);

  useEffect(() => {
    if (problem.first) refs[problem.first].current?.focus();
  }, [error]); // once per refusal

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setDone(null);
    if (next !== again) {
      setMismatch('does not match the new password');
      againRef.current?.focus();
      return;
    }
    setMismatch(undefined);
    setBusy(true);
    setError(null);
    try {
      const res = await api.post<{ changed: true; sessionsRevoked: number }>('/api/me/password', {
        currentPassword: current,
        newPassword: next,
      });
      setDone(res.sessionsRevoked);
      setCurrent('');
      setNext('');
      setAgain('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const describe = (id: string, message: string | undefined, hint?: string) =>
    [hint, message ? `${id}-error` : undefined].filter(Boolean).join(' ') || undefined;
  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">Change your password</h2>
      <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="password-title">
        <label htmlFor="current-password">Current password</label>
        <input
          ref={refs.current}
          id="current-password"
          type="password"
          autoComplete="current-password"
          value={current}
          aria-invalid={problem.fields.current ? true : undefined}
          aria-describedby={describe('current-password', problem.fields.current)}
          onChange={(e) => setCurrent(e.target.value)}
        />
        <FieldError id="current-password-error" message={problem.fields.current} />
        <label htmlFor="new-password">New password</label>
        <input
          ref={refs.next}
          id="new-password"
          type="password"
          autoComplete="new-password"
          value={next}
          aria-invalid={problem.fields.next ? true : undefined}
          aria-describedby={describe('new-password', problem.fields.next, 'new-password-hint')}
          onChange={(e) => setNext(e.target.value)}
        />
        <FieldHint id="new-password-hint">
          At least 12 characters, not your email. A passphrase of a few words is easiest.
        </FieldHint>
        <FieldError id="new-password-error" message={problem.fields.next} />
        <label htmlFor="new-password-again">New password again</label>
        <input
          ref={againRef}
          id="new-password-again"
          type="password"
          autoComplete="new-password"
          value={again}
          aria-invalid={mismatch ? true : undefined}
          aria-describedby={describe('new-password-again', mismatch)}
          onChange={(e) => {
            setAgain(e.target.value);
            setMismatch(undefined);
          }}
        />
        <FieldError id="new-password-again-error" message={mismatch} />
        <FormError error={problem.form} />
        <p className="field-hint">
          Changing it needs a fresh authenticator code, and signs you out everywhere else.
        </p>
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Changing…' : 'Change password'}
          </button>
        </div>
        {done !== null && (
          <p className="notice" role="status" data-testid="password-changed">
            Your password was changed.{' '}
            {done === 0
              ? 'You had no other sessions.'
              : `${done} other session${done === 1 ? ' was' : 's were'} signed out.`}
          </p>
        )}
      </form>
    </section>
  );
}
