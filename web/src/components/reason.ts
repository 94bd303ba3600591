/** The server's rationale rule (src/shared/rationale.ts): 10 visible characters. */
export const MIN_REASON = 10;

/** What every decision form says when a reason is too short, checked here or refused by the desk. */
export const REASON_TOO_SHORT = `The reason needs at least ${MIN_REASON} characters. Spaces and invisible characters do not count.`;

const BLANK_LOOKING = /[\u115F\u1160\u3164\uFFA0\u2800]/gu;
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/gu;

/** Counts what the server counts: letters, digits, punctuation and symbols that show. */
export function reasonLength(reason: string): number {
  return (reason.replace(BLANK_LOOKING, '').match(VISIBLE) ?? []).length;
}
