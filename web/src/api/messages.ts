import { ApiError } from './client';

/**
 * What each refusal means, in words a person understands. The server's `detail` is already written
 * for people; these add what to do next, and cover errors that never reached the server.
 */
const HINTS: Record<string, string> = {
  SELF_APPROVAL: 'The header shows who is signed in on this browser.',
  SAME_APPROVER: 'Dual control needs two different people: choose another co-signer.',
  NOT_ELIGIBLE: 'Your roles do not allow this decision for this kind of request.',
  NOT_NAMED_SECONDARY: 'The request shows who was named; the header shows who is signed in on this browser.',
  REASON_REQUIRED: 'Write a reason of at least 10 characters; it goes into the audit trail.',
  ALREADY_DECIDED: 'Someone decided this request meanwhile. The page now shows its current state.',
  EXPIRED: 'It can no longer be decided; the page now shows its current state.',
  STALE_REQUEST: 'What this request changes was modified since it was filed, so it was not applied.',
  STEP_UP_REQUIRED: 'Confirm with a fresh authenticator code to make this decision.',
  RATE_LIMITED: 'Too many attempts. Wait a minute and try again.',
  NETWORK: 'The desk cannot be reached. Check your connection and try again.',
};

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    const hint = HINTS[err.code];
    return hint && !err.problem.detail.includes(hint) ? `${err.problem.detail} ${hint}` : err.problem.detail;
  }
  return err instanceof Error ? err.message : 'Something went wrong.';
}
