import { describe, expect, it } from 'vitest';
import { HOME, safeNext, withNext } from './nextPage';

describe('the page after sign-in', () => {
  it('follows a same-origin path with its query and hash', () => {
    expect(safeNext('/approvals/abc?tab=report#x')).toBe('/approvals/abc?tab=report#x');
    expect(withNext('/login', '/settlements/1?x=2')).toBe('/login?next=%2Fsettlements%2F1%3Fx%3D2');
  });
  it('never leaves the desk, and never loops back to sign-in', () => {
    for (const bad of [
      'https://evil.test/',
      '//evil.test',
      '/\\evil.test',
      'javascript:alert(1)',
      '/login',
      '/mfa?next=/x',
      '',
      null,
    ])
      expect(safeNext(bad)).toBe(HOME);
    expect(withNext('/mfa', HOME)).toBe('/mfa');
  });
});
