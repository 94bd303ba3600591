import { describe, expect, it } from 'vitest';
import { founderState } from './founding';

describe('founderState', () => {
  it.each([
    [{ invitation: 'pending', mfaEnrolled: false }, 'invited'],
    [{ invitation: 'expired', mfaEnrolled: false }, 'expired'],
    [{ invitation: 'accepted', mfaEnrolled: false }, 'password-set'],
    [{ invitation: 'accepted', mfaEnrolled: true }, 'enrolled'],
    [{ invitation: null, mfaEnrolled: true }, 'enrolled'],
  ] as const)('%o → %s', (o, state) => {
    expect(founderState(o)).toBe(state);
  });
});
