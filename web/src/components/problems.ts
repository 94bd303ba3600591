import { ApiError } from '../api/client';

export interface SplitProblem<F extends string> {
  /** The server's message for each of the form's fields, to show next to it. */
  fields: Partial<Record<F, string>>;
  /** What belongs at the form level: the error itself, unless every message it carries found a field. */
  form: unknown;
  /** The first field (in the order given) with a message: the one to focus. */
  first: F | undefined;
}

/**
 * Splits a refusal between a form's fields and the form itself. `fields` maps each field of the form
 * to the server paths that mean it (`reason` also matches `body.reason`), so a refusal is shown next
 * to what the operator has to change, and anything else (SELF_APPROVAL, a network error) at the form.
 */
export function splitProblem<F extends string>(
  error: unknown,
  fields: Record<F, readonly string[]>,
): SplitProblem<F> {
  const out: Partial<Record<F, string>> = {};
  let first: F | undefined;
  if (!(error instanceof ApiError)) return { fields: out, form: error ?? null, first };
  const unmatched = (error.problem.errors ?? []).filter((e) => {
    const field = (Object.keys(fields) as F[]).find((f) =>
      fields[f].some((p) => e.path === p || e.path.endsWith(`.${p}`)),
    );
    if (!field) return true;
    out[field] = out[field] ? `${out[field]}; ${e.message}` : e.message;
    return false;
  });
  for (const f of Object.keys(fields) as F[]) {
    if (out[f] && first === undefined) first = f;
  }
  const allPlaced = first !== undefined && unmatched.length === 0;
  return { fields: out, form: allPlaced ? null : error, first };
}
