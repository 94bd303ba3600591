/**
 * The one rule for every rationale the desk keeps (approve, reject, co-sign, flag requests, the
 * emergency stop, review acknowledgements, silences): at least 10 *visible* characters. Only letters,
 * digits, punctuation and symbols count; whitespace, format and control characters (zero-width
 * spaces, soft hyphens, direction marks) and the blank-looking letters below never do.
 */
export const MIN_RATIONALE_LENGTH = 10;

/** Letters or symbols by category that render as nothing: Hangul fillers, the Braille blank. */
const BLANK_LOOKING = /[\u115F\u1160\u3164\uFFA0\u2800]/gu;
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/gu;

/** How many characters of `text` a reader actually sees. */
export function visibleLength(text: string | null | undefined): number {
  return ((text ?? '').replace(BLANK_LOOKING, '').match(VISIBLE) ?? []).length;
}

export function isValidRationale(text: string | null | undefined): boolean {
  return visibleLength(text) >= MIN_RATIONALE_LENGTH;
}
