import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Link } from 'react-router';
import { api, ApiError } from '../../api/client';
import type { ChangeRequest } from '../../api/types';
import { FormError } from '../../components/FormError';
import { splitProblem } from '../../components/problems';
import { ReasonField } from '../../components/ReasonField';
import type { FlagReason } from './model';

type Action = 'requeue' | 'dismiss' | 'requeue-all';

/** A refusal naming an event that is no longer open (resolved by someone else meanwhile). */
function StaleHint({ error }: { error: unknown }) {
  if (!(error instanceof ApiError) || !error.problem.errors?.some((e) => e.path === 'payload.eventIds'))
    return null;
  return (
    <p className="field-hint">The table now shows each event as it is; check your ticks and file again.</p>
  );
}

interface Props {
  /** The open events the operator ticked. */
  selected: string[];
  /** Open events per reason (from the summary), for the "Requeue all open …" buttons. */
  openByReason: Partial<Record<FlagReason, number>>;
  /** Called once a request is filed (the page clears the ticks). */
  onFiled: () => void;
}

/**
 * Requeue and dismissal are change requests: this files them (POST /api/approvals) and links to the
 * request. Nothing happens to a settlement until a primary approver approves and a co-signer co-signs.
 * A refusal stays next to what caused it, and nothing typed or ticked is lost.
 */
export function FlaggedActions({ selected, openByReason, onFiled }: Props) {
  const [note, setNote] = useState('');
  const [dismissReason, setDismissReason] = useState('');
  const [error, setError] = useState<{ action: Action; error: unknown } | null>(null);
  // "Tick an event first": shown only while nothing is ticked, so it goes as soon as one is.
  const [local, setLocal] = useState<{ action: Action; message: string } | null>(null);
  const [busy, setBusy] = useState<Action | null>(null);
  const [filed, setFiled] = useState<ChangeRequest | null>(null);
  const client = useQueryClient();
  const reasonRef = useRef<HTMLTextAreaElement>(null);

  const requeueProblem = splitProblem(error && error.action !== 'dismiss' ? error.error : null, {
    note: ['note'],
  });
  const dismissProblem = splitProblem(error?.action === 'dismiss' ? error.error : null, {
    reason: ['payload.reason'],
    note: ['note'],
  });
  const reasons = (Object.entries(openByReason) as [FlagReason, number][]).filter(([, n]) => n > 0);

  const file = async (action: Action, kind: string, payload: unknown, withNote: boolean) => {
    setBusy(action);
    setError(null);
    setLocal(null);
    setFiled(null);
    try {
      const request = await api.post<ChangeRequest>('/api/approvals', {
        kind,
        payload,
        ...(withNote && note.trim() ? { note } : {}),
      });
      setFiled(request);
      setNote('');
      if (action === 'dismiss') setDismissReason('');
      onFiled();
      void client.invalidateQueries({ queryKey: ['approvals'] });
    } catch (err) {
      setError({ action, error: err });
      // An event someone else resolved meanwhile: show the table as it is now (the ticks on it drop out).
      if (err instanceof ApiError && err.problem.errors?.some((e) => e.path === 'payload.eventIds'))
        void client.invalidateQueries({ queryKey: ['settlements'] });
      if (action === 'dismiss' && splitProblem(err, { reason: ['payload.reason'] }).fields.reason)
        reasonRef.current?.focus();
    } finally {
      setBusy(null);
    }
  };

  const needSelection = (action: Action) => {
    if (selected.length > 0) return false;
    setLocal({ action, message: 'Tick at least one open event in the table first.' });
    setFiled(null);
    return true;
  };

  const requeue = (e: React.FormEvent) => {
    e.preventDefault();
    if (!needSelection('requeue')) void file('requeue', 'settlement.requeue', { eventIds: selected }, true);
  };

  const dismiss = (e: React.FormEvent) => {
    e.preventDefault();
    if (!needSelection('dismiss'))
      void file('dismiss', 'settlement.dismiss', { eventIds: selected, reason: dismissReason }, false);
  };

  const count = selected.length;
  const events = `${count} event${count === 1 ? '' : 's'}`;
  return (
    <section className="card flagged-actions" aria-labelledby="flagged-actions-title">
      <h2 id="flagged-actions-title">Act on flagged events</h2>
      <p className="form-intro" data-testid="selected-count">
        {count === 0 ? 'No event ticked.' : `${events} ticked.`} Each action files a change request; nothing
        moves until it is approved and co-signed.
      </p>
      {filed && (
        <div className="notice" role="status" data-testid="filed-request">
          Request filed: <Link to={`/approvals/${filed.id}`}>{filed.summary}</Link>. It now waits for a
          primary approver, then a co-signer.
        </div>
      )}

      <form onSubmit={requeue} noValidate aria-label="Request requeue">
        <h3>Requeue</h3>
        <p className="form-intro">
          The events become queued settlements once the request is co-signed. AUTO_SETTLEMENT must be on, or
          they would be held back again.
        </p>
        <div className="field">
          <label htmlFor="requeue-note">Note for the approvers</label>
          <textarea
            id="requeue-note"
            value={note}
            maxLength={2000}
            aria-describedby="requeue-note-hint"
            aria-invalid={requeueProblem.fields.note ? true : undefined}
            onChange={(e) => setNote(e.target.value)}
          />
          <div id="requeue-note-hint" className="field-hint">
            Optional; kept with the request in the audit trail.
          </div>
          {requeueProblem.fields.note && (
            <div className="field-error" role="alert">
              {requeueProblem.fields.note}
            </div>
          )}
        </div>
        {local?.action === 'requeue' && selected.length === 0 && (
          <div className="form-error" role="alert">
            {local.message}
          </div>
        )}
        <FormError error={requeueProblem.form} />
        <StaleHint error={requeueProblem.form} />
        {requeueProblem.form instanceof ApiError &&
          requeueProblem.form.problem.detail.includes('AUTO_SETTLEMENT is off') && (
            <p className="field-hint" data-testid="turn-on-hint">
              <Link to="/flags/AUTO_SETTLEMENT">Propose turning AUTO_SETTLEMENT on</Link>; once two people
              approve it, file the requeue again (your note and ticks are kept here).
            </p>
          )}
        <div className="actions split-actions">
          <button type="submit" disabled={busy !== null}>
            {busy === 'requeue' ? 'Filing…' : count > 0 ? `Request requeue of ${events}` : 'Request requeue'}
          </button>
        </div>
        {reasons.length > 0 && (
          <div className="requeue-all">
            <span className="muted-text">
              Or every open event of one reason (the note above goes with it):
            </span>
            {reasons.map(([reason, n]) => (
              <button
                key={reason}
                type="button"
                className="secondary"
                disabled={busy !== null}
                onClick={() => void file('requeue-all', 'settlement.requeue', { reason }, true)}
              >
                Requeue all open {reason} ({n})
              </button>
            ))}
          </div>
        )}
      </form>

      <form onSubmit={dismiss} noValidate aria-label="Request dismissal" className="dismiss-form">
        <h3>Dismiss</h3>
        <p className="form-intro">
          Dismissing closes the events and cancels their trades once the request is co-signed. Nothing is
          paid.
        </p>
        <ReasonField
          required
          ref={reasonRef}
          id="dismiss-reason"
          label="Why dismiss them?"
          hint="Required: at least 10 characters; the approvers read it and it is kept in the audit trail."
          value={dismissReason}
          onChange={setDismissReason}
          error={dismissProblem.fields.reason}
        />
        {local?.action === 'dismiss' && selected.length === 0 && (
          <div className="form-error" role="alert">
            {local.message}
          </div>
        )}
        <FormError error={dismissProblem.form} />
        <StaleHint error={dismissProblem.form} />
        <div className="actions">
          <button type="submit" className="danger" disabled={busy !== null}>
            {busy === 'dismiss'
              ? 'Filing…'
              : count > 0
                ? `Request dismissal of ${events}`
                : 'Request dismissal'}
          </button>
        </div>
      </form>
    </section>
  );
}
