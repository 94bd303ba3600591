import { useEffect, useRef, useState } from 'react';
import { FormError } from '../../components/FormError';
import type { FormProps } from './ApproveForm';
import { ReasonField } from '../../components/ReasonField';
import { splitRefusal } from './refusals';
import { useDecision } from './useDecision';

/** The named co-signer's form: what the primary said, the co-signer's own rationale, and the co-sign. */
export function CosignForm({ request, closed = false, onDone, onRefused }: FormProps) {
  const [comment, setComment] = useState('');
  const decision = useDecision(request.id, 'cosign', {
    onDone: (r) =>
      onDone(
        r.status === 'approved'
          ? 'You co-signed this request: the change is applied.'
          : 'Your co-sign was recorded.',
        r.status,
      ),
    onRefused,
  });
  const refusal = splitRefusal(decision.error, ['reason']);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (refusal.fields.reason) ref.current?.focus();
  }, [decision.error]); // once per refusal

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    void decision.submit({ reason: comment });
  };

  return (
    <form className="decision cosign" aria-labelledby="cosign-title" noValidate onSubmit={submit}>
      <h3 id="cosign-title">Co-sign</h3>
      <p className="form-intro">
        {request.primary?.name ?? 'The primary approver'} approved this request and named you to co-sign it.
        Co-signing applies the change at once.
      </p>
      {request.primary?.reason && (
        <blockquote className="primary-reason">
          <span className="muted-text">Their reason: </span>
          {request.primary.reason}
        </blockquote>
      )}
      <ReasonField
        ref={ref}
        id="cosign-comment"
        label="Your reason for co-signing"
        required
        value={comment}
        onChange={setComment}
        error={refusal.fields.reason}
        disabled={closed}
      />
      <FormError error={refusal.form} />
      <div className="actions">
        <button type="submit" disabled={decision.busy || closed}>
          {decision.busy ? 'Co-signing…' : 'Co-sign and apply'}
        </button>
      </div>
    </form>
  );
}

/** Rejection: a justification is required (the same rule as an approval's reason). */
export function RejectForm({ request, closed = false, onDone, onRefused }: FormProps) {
  const [reason, setReason] = useState('');
  const decision = useDecision(request.id, 'reject', {
    onDone: (r) => onDone('You rejected this request. The requester has been told why.', r.status),
    onRefused,
  });
  const refusal = splitRefusal(decision.error, ['reason']);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (refusal.fields.reason) ref.current?.focus();
  }, [decision.error]); // once per refusal

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    void decision.submit({ reason });
  };

  return (
    <form className="decision reject" aria-labelledby="reject-title" noValidate onSubmit={submit}>
      <h3 id="reject-title">Reject</h3>
      <p className="form-intro">
        Rejecting closes the request; nothing changes. The requester sees your justification.
      </p>
      <ReasonField
        ref={ref}
        id="reject-reason"
        label="Justification for rejecting"
        required
        value={reason}
        onChange={setReason}
        error={refusal.fields.reason}
        disabled={closed}
      />
      <FormError error={refusal.form} />
      <div className="actions">
        <button type="submit" className="danger" disabled={decision.busy || closed}>
          {decision.busy ? 'Rejecting…' : 'Reject request'}
        </button>
      </div>
    </form>
  );
}

/** The requester withdraws their own open request, after saying yes once more. */
export function CancelForm({ request, closed = false, onDone, onRefused }: FormProps) {
  const [confirming, setConfirming] = useState(false);
  const decision = useDecision(request.id, 'cancel', {
    onDone: (r) => onDone('You cancelled this request.', r.status),
    onRefused,
  });
  const yes = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) yes.current?.focus();
  }, [confirming]);

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (!confirming) setConfirming(true);
    else void decision.submit({});
  };

  return (
    <form className="decision cancel" aria-labelledby="cancel-title" onSubmit={submit}>
      <h3 id="cancel-title">Cancel your request</h3>
      {confirming ? (
        <p className="form-intro" id="cancel-confirm">
          Cancel it for good? Nobody will be able to decide it afterwards; file a new one if it is needed
          again.
        </p>
      ) : (
        <p className="form-intro">
          You filed this request. If it is no longer needed, cancel it so nobody spends time on it.
        </p>
      )}
      <FormError error={decision.error} />
      <div className="actions">
        {confirming && (
          <button type="button" className="secondary" onClick={() => setConfirming(false)}>
            Keep it open
          </button>
        )}
        <button
          ref={yes}
          type="submit"
          className={confirming ? 'danger' : 'secondary'}
          disabled={decision.busy || closed}
          aria-describedby={confirming ? 'cancel-confirm' : undefined}
        >
          {decision.busy ? 'Cancelling…' : confirming ? 'Yes, cancel the request' : 'Cancel this request'}
        </button>
      </div>
    </form>
  );
}
