import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { ROLE_LABELS, type ChangeRequest, type FlagDetail } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { FormError } from '../../components/FormError';
import { splitProblem } from '../../components/problems';
import { MIN_REASON, reasonLength } from '../../components/reason';
import { ReasonField } from '../../components/ReasonField';
import { flagKeys } from './queries';
import { FilingWarning } from '../../components/FilingWarning';

/** Focuses the field a refusal points at, once per refusal. */
function useFocusOn(
  error: unknown,
  field: React.RefObject<HTMLTextAreaElement | null>,
  hasFieldError: boolean,
) {
  useEffect(() => {
    if (error && hasFieldError) field.current?.focus();
  }, [error]); // once per refusal
}

/** Files a `flag.set` request for the opposite state; the change happens only once two people approve. */
export function ProposeChange({ flag, openRequests }: { flag: FlagDetail; openRequests: ChangeRequest[] }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [filed, setFiled] = useState<ChangeRequest | null>(null);
  const client = useQueryClient();
  const ref = useRef<HTMLTextAreaElement>(null);
  const target = !flag.enabled;
  const problem = splitProblem(error, { reason: ['reason', 'note'] });
  useFocusOn(error, ref, !!problem.fields.reason);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const request = await api.post<ChangeRequest>(`/api/flags/${encodeURIComponent(flag.key)}/requests`, {
        enabled: target,
        reason,
      });
      setFiled(request);
      setReason('');
      void client.invalidateQueries({ queryKey: ['approvals'] });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="propose-title">
      <h2 id="propose-title">Propose a change</h2>
      <p className="form-intro">
        This files a request to turn <strong>{flag.key}</strong> <strong>{target ? 'ON' : 'OFF'}</strong>.
        Nothing changes until a primary approver approves it and the co-signer they name co-signs it.
      </p>
      {openRequests.length > 0 && (
        <div className="info-box" data-testid="open-flag-requests">
          <strong>Already open for this flag:</strong>
          <ul>
            {openRequests.map((r) => (
              <li key={r.id}>
                <Link to={`/approvals/${r.id}`}>{r.summary}</Link>{' '}
                <span className={`status ${r.status}`}>
                  {r.status === 'pending' ? 'Pending' : 'Awaiting co-sign'}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
      <FilingWarning kind="flag.set" />
      <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="propose-title">
        <ReasonField
          required
          ref={ref}
          id="propose-reason"
          label={`Why turn ${flag.key} ${target ? 'on' : 'off'}?`}
          value={reason}
          onChange={setReason}
          error={problem.fields.reason}
        />
        <FormError error={problem.form} />
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Filing…' : `Propose turning it ${target ? 'on' : 'off'}`}
          </button>
        </div>
      </form>
      {filed && (
        <div className="notice" role="status" data-testid="filed-request">
          Request filed: <Link to={`/approvals/${filed.id}`}>{filed.summary}</Link>. It now waits for a
          primary approver ({filed.policy.primaryRoles.map((r) => ROLE_LABELS[r].toLowerCase()).join(' or ')}
          ).
        </div>
      )}
    </section>
  );
}

/** AUTO_SETTLEMENT off at once, by one risk officer or admin: a reason, then a confirmation restating what happens. */
export function EmergencyDisable({ flag }: { flag: FlagDetail }) {
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [localError, setLocalError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const client = useQueryClient();
  const ref = useRef<HTMLTextAreaElement>(null);
  const problem = splitProblem(error, { reason: ['reason'] });
  const reasonError = localError ?? problem.fields.reason;
  useFocusOn(error, ref, !!problem.fields.reason);

  const ask = (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    if (reasonLength(reason) < MIN_REASON) {
      setLocalError(`needs at least ${MIN_REASON} characters: say what you saw`);
      ref.current?.focus();
      return;
    }
    setLocalError(undefined);
    setConfirming(true);
  };

  const disable = async () => {
    setConfirming(false);
    setBusy(true);
    try {
      await api.post('/api/flags/AUTO_SETTLEMENT/emergency-disable', { reason });
      setDone(true);
      setReason('');
      await Promise.all([
        client.invalidateQueries({ queryKey: flagKeys.list }),
        client.invalidateQueries({ queryKey: flagKeys.detail(flag.key) }),
      ]);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card danger-zone" aria-labelledby="emergency-title">
      <h2 id="emergency-title">Emergency stop</h2>
      {done && (
        <div className="notice" role="status" data-testid="emergency-done">
          AUTO_SETTLEMENT is now OFF. Every operator has been alerted, and a review is open for another risk
          officer to acknowledge.
        </div>
      )}
      {!flag.enabled && !done && (
        <p className="muted-text">
          AUTO_SETTLEMENT is off: there is nothing to stop. Turning it on again needs an approved request.
        </p>
      )}
      {flag.enabled && (
        <form onSubmit={ask} noValidate aria-labelledby="emergency-title">
          <p className="form-intro">
            Turn AUTO_SETTLEMENT off at once, without a second approver. Use it when automatic settlement must
            stop now; it is reviewed afterwards.
          </p>
          <ReasonField
            required
            ref={ref}
            id="emergency-reason"
            label="What happened (reason for the stop)"
            value={reason}
            onChange={(v) => {
              setReason(v);
              setLocalError(undefined);
            }}
            error={reasonError}
          />
          <FormError error={problem.form} />
          <div className="actions">
            <button type="submit" className="danger" disabled={busy}>
              {busy ? 'Stopping…' : 'Turn AUTO_SETTLEMENT off now…'}
            </button>
          </div>
        </form>
      )}
      <ConfirmDialog
        open={confirming}
        title="Turn AUTO_SETTLEMENT off now?"
        confirmLabel="Yes, turn it off now"
        danger
        onConfirm={() => void disable()}
        onCancel={() => setConfirming(false)}
      >
        <ul className="consequences">
          <li>It takes effect immediately, without a second approver.</li>
          <li>Booked trades are no longer settled automatically: each one is flagged for manual review.</li>
          <li>Every operator is alerted, and a review opens that another risk officer must acknowledge.</li>
          <li>Turning it back on needs a request approved by two people.</li>
        </ul>
        <p className="muted-text">Your reason, recorded in the audit trail:</p>
        <blockquote className="quoted" data-testid="confirm-reason">
          {reason}
        </blockquote>
      </ConfirmDialog>
    </section>
  );
}

type Review = FlagDetail['reviews'][number];

/** A second risk officer acknowledges an emergency stop: a comment of at least 10 characters. */
export function AcknowledgeForm({ review, flagKey }: { review: Review; flagKey: string }) {
  const [comment, setComment] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const client = useQueryClient();
  const ref = useRef<HTMLTextAreaElement>(null);
  const problem = splitProblem(error, { comment: ['reason', 'comment'] });
  useFocusOn(error, ref, !!problem.fields.comment);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/flags/reviews/${review.id}/acknowledge`, { comment });
      await client.invalidateQueries({ queryKey: flagKeys.detail(flagKey) });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="ack-form"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-label="Acknowledge this review"
    >
      <ReasonField
        required
        ref={ref}
        id={`ack-${review.id}`}
        label="Your review comment"
        hint="What you checked; at least 10 characters, kept in the audit trail."
        value={comment}
        onChange={setComment}
        error={problem.fields.comment}
      />
      <FormError error={problem.form} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Acknowledging…' : 'Acknowledge review'}
        </button>
      </div>
    </form>
  );
}
