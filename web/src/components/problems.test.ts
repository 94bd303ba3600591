import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { splitProblem } from './problems';

const refusal = (code: string, errors?: { path: string; message: string }[]) =>
  new ApiError({ type: 'x', title: 't', status: 400, detail: 'Refused.', code, errors });

describe('splitProblem', () => {
  it('puts each field error next to its field and nothing at the form', () => {
    const err = refusal('VALIDATION_FAILED', [
      { path: 'newPassword', message: 'must be at least 12 characters' },
      { path: 'currentPassword', message: 'is not your current password' },
    ]);
    const split = splitProblem(err, { current: ['currentPassword'], next: ['newPassword'] });
    expect(split.fields).toEqual({
      current: 'is not your current password',
      next: 'must be at least 12 characters',
    });
    expect(split.form).toBeNull();
    expect(split.first).toBe('current');
  });

  it('matches the last path segment and joins two messages for one field', () => {
    const err = refusal('VALIDATION_FAILED', [
      { path: 'body.email', message: 'must be an email address' },
      { path: 'email', message: 'is already taken' },
    ]);
    expect(splitProblem(err, { email: ['email'] }).fields.email).toBe(
      'must be an email address; is already taken',
    );
  });

  it('keeps the form-level error when a message has no field, or there are no field errors', () => {
    const partly = refusal('VALIDATION_FAILED', [
      { path: 'payload.role', message: 'is already held' },
      { path: 'reason', message: 'needs at least 10 characters' },
    ]);
    const split = splitProblem(partly, { reason: ['reason'] });
    expect(split.fields.reason).toBe('needs at least 10 characters');
    expect(split.form).toBe(partly);
    const self = refusal('SELF_APPROVAL');
    expect(splitProblem(self, { comment: ['reason', 'comment'] })).toEqual({
      fields: {},
      form: self,
      first: undefined,
    });
    const network = new Error('offline');
    expect(splitProblem(network, { reason: ['reason'] }).form).toBe(network);
    expect(splitProblem(null, { reason: ['reason'] }).form).toBeNull();
  });
});
