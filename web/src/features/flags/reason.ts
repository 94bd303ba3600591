import type { Flag } from '../../api/types';

/**
 * Why a flag is in its state, said the same way in the list and on its page. A flag changes only by
 * an approved request, an emergency stop (both with a reason) or its seed at install: the seeded
 * state has no reason on the flag itself, so it reads as its history does ("initial value: off").
 */
export function flagReason(
  flag: Pick<Flag, 'reason' | 'requestId' | 'updatedBy' | 'enabled'>,
): string | null {
  if (flag.reason) return flag.reason;
  if (!flag.requestId && flag.updatedBy.type === 'system')
    return `initial value: ${flag.enabled ? 'on' : 'off'}`;
  return null;
}
