import { useEffect, useRef, useState } from 'react';
import type { ChangeRequest, EligibleApprover, RequestStatus } from '../../api/types';
import { FieldError, FormError } from '../../components/FormError';
import { errorMessage } from '../../api/messages';
import { rolesText } from './model';
import { useEligibleApprovers } from './queries';
import { ReasonField } from '../../components/ReasonField';
import { MIN_REASON, REASON_TOO_SHORT, reasonLength, splitRefusal } from './refusals';
import { useDecision } from './useDecision';

export interface FormProps {
  request: ChangeRequest;
  /** The request moved on (decided, expired): keep what was typed and the refusal, but allow no submit. */
  closed?: boolean;
  onDone: (message: string, status: RequestStatus) => void;
  onRefused?: (err: unknown) => void;
}

/** "Carla Admin — Platform admin · Telegram": who they are, what they may do, how they will hear. */
export function approverLabel(p: EligibleApprover): string {
  return `${p.name} — ${rolesText(p.roles)}${p.telegramLinked ? ' · Telegram' : ''}`;
}

export const LOCAL_MESSAGES = {
  reason: REASON_TOO_SHORT,
  secondaryApproverId: 'Choose who co-signs from the list.',
} as const;

/**
 * What the form can tell before asking the desk (and so before any step-up code): every field's
 * problem at once, in words. The desk still checks everything again.
 */
export function checkApprove(
  reason: string,
  secondary: string,
): Partial<Record<keyof typeof LOCAL_MESSAGES, string>> {
  return {
    ...(reasonLength(reason) < MIN_REASON ? { reason: LOCAL_MESSAGES.reason } : {}),
    ...(secondary ? {} : { secondaryApproverId: LOCAL_MESSAGES.secondaryApproverId }),
  };
}

/**
 * The primary approval: a reason with its rule in sight, and the co-signer chosen from the people the
 * desk says may co-sign (never a typed id). Refusals land next to the field they concern.
 */
export function ApproveForm({ request, closed = false, onDone, onRefused }: FormProps) {
  const [reason, setReason] = useState('');
  const [secondary, setSecondary] = useState('');
  const eligible = useEligibleApprovers(request.id, !closed);
  const people = eligible.data?.items ?? [];
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const selectRef = useRef<HTMLSelectElement>(null);
  const decision = useDecision(request.id, 'approve', {
    onDone: (r) =>
      onDone(
        `You approved this request. ${r.secondary?.name ?? people.find((p) => p.id === secondary)?.name ?? 'The co-signer'} has been asked to co-sign it.`,
        r.status,
      ),
    onRefused,
  });
  const refusal = splitRefusal(decision.error, ['reason', 'secondaryApproverId']);
  // After a first try, the local check runs as the operator types: an error goes as soon as it is fixed.
  const [tried, setTried] = useState(false);
  // What was sent: the desk's refusal of a field shows until that field is changed.
  const [sent, setSent] = useState<{ reason: string; secondary: string } | null>(null);
  const local = tried ? checkApprove(reason, secondary) : {};
  const reasonError = local.reason ?? (sent && sent.reason === reason ? refusal.fields.reason : undefined);
  const selectError =
    local.secondaryApproverId ??
    (sent && sent.secondary === secondary ? refusal.fields.secondaryApproverId : undefined);

  useEffect(() => {
    if (refusal.fields.reason) reasonRef.current?.focus();
    else if (refusal.fields.secondaryApproverId) selectRef.current?.focus();
  }, [decision.error]); // once per refusal, not on every render

  // Someone chosen who has since left the list (roles changed, deactivated) stays chosen and marked:
  // the choice is the operator's, and the desk's refusal will say why it no longer holds.
  const [chosen, setChosen] = useState<EligibleApprover | null>(null);
  const options =
    chosen && !people.some((p) => p.id === chosen.id) ? [...people, { ...chosen, gone: true }] : people;

  const choose = (id: string) => {
    setSecondary(id);
    setChosen(people.find((p) => p.id === id) ?? null);
  };

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setTried(true);
    const problems = checkApprove(reason, secondary);
    if (problems.reason) return reasonRef.current?.focus();
    if (problems.secondaryApproverId) return selectRef.current?.focus();
    setSent({ reason, secondary });
    void decision.submit({ reason, secondaryApproverId: secondary });
  };
  return (
    <form className="decision approve" aria-labelledby="approve-title" noValidate onSubmit={submit}>
      <h3 id="approve-title">Approve</h3>
      <p className="form-intro">
        Your approval alone changes nothing: the co-signer you name must co-sign before it applies.
      </p>
      <ReasonField
        ref={reasonRef}
        id="approve-reason"
        label="Reason for approving"
        required
        value={reason}
        onChange={setReason}
        error={reasonError}
        disabled={closed}
      />

      <div className="field">
        <label htmlFor="approve-secondary">Co-signer (secondary approver)</label>
        <select
          ref={selectRef}
          id="approve-secondary"
          value={secondary}
          disabled={closed || eligible.isPending || options.length === 0}
          aria-required="true"
          aria-invalid={selectError ? true : undefined}
          aria-describedby={`approve-secondary-hint${selectError ? ' approve-secondary-error' : ''}`}
          onChange={(e) => choose(e.target.value)}
        >
          <option value="">
            {eligible.isPending
              ? 'Loading who may co-sign…'
              : people.length
                ? 'Choose who co-signs…'
                : 'Nobody may co-sign'}
          </option>
          {options.map((p) => (
            <option key={p.id} value={p.id}>
              {`${approverLabel(p)}${'gone' in p ? ' (no longer listed)' : ''}`}
            </option>
          ))}
        </select>
        <div id="approve-secondary-hint" className="field-hint">
          {eligible.isError
            ? `The list of co-signers could not be loaded: ${errorMessage(eligible.error)}`
            : eligible.isSuccess && people.length === 0
              ? 'Nobody else may co-sign this request right now (the policy’s roles, an active account and MFA are needed). Ask a platform admin.'
              : 'Only people the policy allows to co-sign are listed, never you or the requester. They are notified, on Telegram when linked.'}
        </div>
        <FieldError id="approve-secondary-error" message={selectError} />
      </div>

      <FormError error={refusal.form} />
      <div className="actions">
        <button
          type="submit"
          disabled={decision.busy || closed || (eligible.isSuccess && people.length === 0)}
        >
          {decision.busy ? 'Approving…' : 'Approve and request co-sign'}
        </button>
      </div>
    </form>
  );
}
