import { describe, expect, it } from 'vitest';
import { MIN_RATIONALE_LENGTH, visibleLength } from '../src/shared/rationale.js';
import { MIN_REASON, reasonLength } from '../web/src/components/reason.js';

/**
 * The console talks to the desk over HTTP only, so it keeps its own copy of the rationale rule to
 * check a form before asking for a step-up code. The two copies must count alike.
 */
describe('the console counts a reason as the desk does', () => {
  const samples = [
    'ten chars!',
    'short',
    '   spaced   out   ',
    'zero\u200bwidth\u200bspaces\u200bhere',
    'soft\u00adhyphen\u00adtext',
    '\u3164\u3164\u3164\u3164\u3164\u3164\u3164\u3164\u3164\u3164\u3164',
    '\u2800'.repeat(12),
    '\u200e\u200f\u202a\u202e\u2066 rtl marks',
    'emoji 👍🏽 and ✓ symbols',
    'Größe prüfen, 数量を確認',
    '\u0000\u0007control\u001b[31m',
    'combining e\u0301\u0301\u0301 marks',
  ];

  it('has the same minimum', () => {
    expect(MIN_REASON).toBe(MIN_RATIONALE_LENGTH);
  });

  it.each(samples)('%j', (text) => {
    expect(reasonLength(text)).toBe(visibleLength(text));
  });
});
