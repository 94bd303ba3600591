import { ApiError } from '../../api/client';
import { REASON_TOO_SHORT } from '../../components/reason';

/**
 * Where a refusal from the desk shows on a decision form: next to the field it is about, or at the
 * form. The server's field messages are fragments ("needs at least 10 characters", "is the
 * requester"); they are completed with the field's name so they read as sentences.
 */

export type DecisionField = 'reason' | 'secondaryApproverId';

const FIELD_NAMES: Record<DecisionField, string> = {
  reason: 'The reason',
  secondaryApproverId: 'The co-signer you chose',
};

/** Refusals after which the request itself is no longer what the page shows: fetch it again. */
export const STATE_CHANGING = new Set(['ALREADY_DECIDED', 'EXPIRED', 'STALE_REQUEST', 'NOT_FOUND']);

/**
 * Refusals about who is deciding: the form was offered because the page believed the viewer could
 * decide, so the page's idea of who is signed in (someone else may have signed in on this browser)
 * or of the request is out of date. Both are fetched again.
 */
export const IDENTITY = new Set(['SELF_APPROVAL', 'SAME_APPROVER', 'NOT_NAMED_SECONDARY', 'NOT_ELIGIBLE']);

export function questionsIdentity(err: unknown): boolean {
  return err instanceof ApiError && IDENTITY.has(err.code);
}

/** Refusals that close the form for good (the request was decided, expired or failed meanwhile). */
export function closesForm(err: unknown): boolean {
  return err instanceof ApiError && STATE_CHANGING.has(err.code);
}

function sentence(field: DecisionField, message: string): string {
  const text = message.trim().replace(/\.$/, '');
  if (field === 'secondaryApproverId' && /uuid|invalid|required|expected string/i.test(text))
    return 'Choose who co-signs from the list.';
  return /^[a-z]/.test(text) ? `${FIELD_NAMES[field]} ${text}.` : `${FIELD_NAMES[field]}: ${text}.`;
}

export interface Refusal {
  /** Messages to show next to each field (only for the fields this form has). */
  fields: Partial<Record<DecisionField, string>>;
  /** What to show at the form: the error itself when no field explains it, else null. */
  form: unknown;
}

/**
 * Splits an error between the form's fields and the form. A refusal explained by a field (e.g.
 * REASON_REQUIRED next to the reason) is not repeated at the form; anything else (SELF_APPROVAL,
 * ALREADY_DECIDED, EXPIRED, a network error…) is shown at the form.
 */
export function splitRefusal(err: unknown, formFields: readonly DecisionField[]): Refusal {
  if (!err) return { fields: {}, form: null };
  if (!(err instanceof ApiError)) return { fields: {}, form: err };
  const fields: Partial<Record<DecisionField, string>> = {};
  for (const f of formFields) {
    const message = err.fieldError(f);
    if (message) fields[f] = sentence(f, message);
  }
  if (err.code === 'REASON_REQUIRED' && formFields.includes('reason') && !fields.reason) {
    fields.reason = REASON_TOO_SHORT;
  }
  // Field errors the form cannot show (another path) still need to be seen: keep the form message then.
  const unplaced = (err.problem.errors ?? []).some(
    (e) => !formFields.some((f) => e.path === f || e.path.endsWith(`.${f}`)),
  );
  return { fields, form: Object.keys(fields).length && !unplaced ? null : err };
}

export { MIN_REASON, REASON_TOO_SHORT, reasonLength } from '../../components/reason';
