import { describe, expect, it } from 'vitest';
import { ApiError } from './client';
import { errorMessage } from './messages';

const problem = (code: string, detail: string, errors?: { path: string; message: string }[]) =>
  new ApiError({ type: 'x', title: 't', status: 400, detail, code, errors });

describe('errorMessage', () => {
  it('adds what to do next to the server detail', () => {
    expect(errorMessage(problem('ALREADY_DECIDED', 'This request is already approved.'))).toBe(
      'This request is already approved. Someone decided this request meanwhile. The page now shows its current state.',
    );
  });
  it('keeps the server detail alone when there is no hint', () => {
    expect(
      errorMessage(problem('INVALID_CREDENTIALS', 'Email, password or authenticator code not accepted.')),
    ).toBe('Email, password or authenticator code not accepted.');
  });
  it('finds a field error by its last path segment', () => {
    const err = problem('REASON_REQUIRED', 'Give a reason.', [
      { path: 'body.reason', message: 'needs at least 10 characters' },
    ]);
    expect(err.fieldError('reason')).toBe('needs at least 10 characters');
    expect(err.fieldError('secondaryApproverId')).toBeUndefined();
  });
  it('explains a network failure and plain errors', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('x')).toBe('Something went wrong.');
  });
});
