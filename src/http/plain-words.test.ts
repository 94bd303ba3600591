import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { plainWords } from './plain-words.js';

const messageOf = (schema: z.ZodType, value: unknown) =>
  schema.safeParse(value).error?.issues[0]?.message ?? '';

describe('validation messages in plain words', () => {
  it('turns zod’s own texts into what a person reads next to a field', () => {
    expect(plainWords(messageOf(z.string().min(1), ''))).toBe('must be filled in');
    expect(plainWords(messageOf(z.string().min(12), 'short'))).toBe('must be at least 12 characters');
    expect(plainWords(messageOf(z.string().max(3), 'long one'))).toBe('must be at most 3 characters');
    expect(plainWords(messageOf(z.string(), undefined))).toBe('must be filled in');
    expect(plainWords(messageOf(z.uuid(), 'x'))).toBe('must be chosen from the list (an id)');
    expect(plainWords(messageOf(z.array(z.string()).min(1), []))).toBe('choose at least one');
  });
  it('leaves a schema’s own message alone', () => {
    expect(plainWords('must be the 6-digit code from the authenticator app')).toBe(
      'must be the 6-digit code from the authenticator app',
    );
  });
});
