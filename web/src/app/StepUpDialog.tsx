import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api, onStepUpRequired } from '../api/client';
import { FormError } from '../components/FormError';

/**
 * Opens whenever the API answers STEP_UP_REQUIRED: asks for a fresh TOTP code, opens the step-up
 * window, and lets the interrupted action retry. Cancelling leaves the form as it was.
 */
export function StepUpDialog() {
  const [pending, setPending] = useState<((ok: boolean) => void) | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const client = useQueryClient();

  useEffect(() => {
    onStepUpRequired(
      () =>
        new Promise<boolean>((resolve) => {
          setCode('');
          setError(null);
          setPending(() => resolve);
        }),
    );
    return () => onStepUpRequired(undefined);
  }, []);

  useEffect(() => {
    if (pending && !dialog.current?.open) dialog.current?.showModal();
    if (!pending && dialog.current?.open) dialog.current.close();
  }, [pending]);

  const finish = (ok: boolean) => {
    pending?.(ok);
    setPending(null);
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/auth/step-up', { code: code.trim() });
      await client.invalidateQueries({ queryKey: ['me'] });
      finish(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="step-up-title" onCancel={() => finish(false)}>
      <form onSubmit={(e) => void submit(e)}>
        <h2 id="step-up-title">Confirm it is you</h2>
        <p>Decisions need a fresh code from your authenticator app (valid for the next few minutes).</p>
        <label htmlFor="step-up-code">Authenticator code</label>
        <input
          id="step-up-code"
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="\d{6}"
          maxLength={6}
          required
          autoFocus
          value={code}
          onChange={(e) => setCode(e.target.value)}
        />
        <FormError error={error} />
        <div className="actions">
          <button type="button" className="secondary" onClick={() => finish(false)}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            {busy ? 'Checking…' : 'Confirm'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
