/** The server's reason rule (approvals.rules.ts isValidReason): 10 characters once whitespace is removed. */
export const MIN_REASON = 10;

/** Counts what the server counts: characters that are not whitespace. */
export function reasonLength(reason: string): number {
  return reason.replace(/\s+/g, '').length;
}
