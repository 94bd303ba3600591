import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client';
import { closesForm, reasonLength, splitRefusal } from './refusals';

const refusal = (code: string, detail: string, errors?: { path: string; message: string }[]) =>
  new ApiError({ type: 'x', title: 't', status: 400, detail, code, errors });

describe('splitRefusal: a refusal lands next to its field or at the form', () => {
  it('REASON_REQUIRED goes next to the reason, completed into a sentence', () => {
    const r = splitRefusal(
      refusal('REASON_REQUIRED', 'Give a reason.', [
        { path: 'reason', message: 'needs at least 10 characters' },
      ]),
      ['reason', 'secondaryApproverId'],
    );
    expect(r).toEqual({ fields: { reason: 'The reason needs at least 10 characters.' }, form: null });
  });
  it('REASON_REQUIRED without a field path still lands on the reason', () => {
    expect(splitRefusal(refusal('REASON_REQUIRED', 'Give a reason.'), ['reason']).fields.reason).toMatch(
      /at least 10 characters/,
    );
  });
  it('a missing co-signer (schema validation of body.secondaryApproverId) asks to choose from the list', () => {
    const err = refusal('VALIDATION_FAILED', 'The body is invalid: body.secondaryApproverId Invalid UUID', [
      { path: 'body.secondaryApproverId', message: 'Invalid UUID' },
    ]);
    expect(splitRefusal(err, ['reason', 'secondaryApproverId'])).toEqual({
      fields: { secondaryApproverId: 'Choose who co-signs from the list.' },
      form: null,
    });
  });
  it('a co-signer the desk refuses is explained next to the drop-down', () => {
    const err = refusal('NOT_ELIGIBLE', 'Dana may not co-sign this request.', [
      { path: 'secondaryApproverId', message: 'may not co-sign this request' },
    ]);
    expect(splitRefusal(err, ['reason', 'secondaryApproverId']).fields).toEqual({
      secondaryApproverId: 'The co-signer you chose may not co-sign this request.',
    });
  });
  it.each([
    'SELF_APPROVAL',
    'NOT_ELIGIBLE',
    'NOT_NAMED_SECONDARY',
    'ALREADY_DECIDED',
    'EXPIRED',
    'STALE_REQUEST',
  ])('%s without a field is shown at the form', (code) => {
    const err = refusal(code, 'No.');
    expect(splitRefusal(err, ['reason', 'secondaryApproverId'])).toEqual({ fields: {}, form: err });
  });
  it('a field error this form has no field for keeps the form message too', () => {
    const err = refusal('VALIDATION_FAILED', 'Bad.', [
      { path: 'body.reason', message: 'Too big: expected string to have <=2000 characters' },
      { path: 'body', message: 'Unrecognized key: "x"' },
    ]);
    const r = splitRefusal(err, ['reason']);
    expect(r.fields.reason).toBe('The reason: Too big: expected string to have <=2000 characters.');
    expect(r.form).toBe(err);
  });
  it('network errors and nothing at all', () => {
    const boom = new Error('offline');
    expect(splitRefusal(boom, ['reason'])).toEqual({ fields: {}, form: boom });
    expect(splitRefusal(null, ['reason'])).toEqual({ fields: {}, form: null });
  });
});

describe('closesForm', () => {
  it('only for refusals that mean the request moved on', () => {
    expect(
      ['ALREADY_DECIDED', 'EXPIRED', 'STALE_REQUEST', 'NOT_FOUND'].every((c) => closesForm(refusal(c, ''))),
    ).toBe(true);
    expect(
      ['REASON_REQUIRED', 'SELF_APPROVAL', 'NOT_NAMED_SECONDARY', 'STEP_UP_REQUIRED'].some((c) =>
        closesForm(refusal(c, '')),
      ),
    ).toBe(false);
    expect(closesForm(new Error('x'))).toBe(false);
  });
});

describe('reasonLength', () => {
  it('counts what the server counts: no whitespace', () => {
    expect(reasonLength('  a b\nc\t ')).toBe(3);
    expect(reasonLength('Checked the runbook')).toBe(17);
  });
});
