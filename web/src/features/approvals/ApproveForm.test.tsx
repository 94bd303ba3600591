// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { onStepUpRequired } from '../../api/client';
import { ApproveForm } from './ApproveForm';
import { CosignForm, RejectForm } from './OtherForms';
import {
  fakeDesk,
  flagRequest,
  PEOPLE,
  problem,
  renderWithClient,
  REQUEST_ID,
  type Call,
} from './test-utils';

const ELIGIBLE = {
  items: [
    {
      id: PEOPLE.secondary.id,
      name: PEOPLE.secondary.name,
      email: 'c@desk.test',
      roles: ['platform_admin'],
      telegramLinked: true,
    },
    {
      id: PEOPLE.other.id,
      name: PEOPLE.other.name,
      email: 'd@desk.test',
      roles: ['risk_officer'],
      telegramLinked: false,
    },
  ],
};
const REASON = 'Checked the runbook and the pilot plan';

function desk(
  approve: (call: Call) => { status?: number; body?: unknown } | Promise<{ status?: number; body?: unknown }>,
) {
  return fakeDesk((call) => {
    if (call.path.endsWith('/eligible-approvers')) return { body: ELIGIBLE };
    if (call.path.endsWith('/approve')) return approve(call);
    return undefined;
  });
}

async function renderForm(onDone = vi.fn()) {
  renderWithClient(<ApproveForm request={flagRequest()} onDone={onDone} />);
  await screen.findByRole('option', { name: /Carla Cosigner/ });
  return onDone;
}

function fill(reason: string, secondary: string) {
  fireEvent.change(screen.getByLabelText('Reason for approving'), { target: { value: reason } });
  fireEvent.change(screen.getByLabelText('Co-signer (secondary approver)'), { target: { value: secondary } });
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  onStepUpRequired(undefined);
});

describe('ApproveForm', () => {
  it('offers co-signers only from eligible-approvers: name, roles, Telegram when linked; no free-text id', async () => {
    const calls = desk(() => ({ body: {} }));
    await renderForm();
    const options = screen.getAllByRole('option').map((o) => o.textContent);
    expect(options).toEqual([
      'Choose who co-signs…',
      'Carla Cosigner — Platform admin · Telegram',
      'Dan Other — Risk officer',
    ]);
    expect(screen.queryByRole('textbox', { name: /co-signer/i })).toBeNull();
    expect(calls[0]?.path).toBe(`/api/approvals/${REQUEST_ID}/eligible-approvers`);
    expect(
      screen.getByText(
        /At least 10 characters \(spaces and invisible characters do not count\); kept in the audit trail/,
      ),
    ).toBeTruthy();
  });

  it('REASON_REQUIRED from the desk shows next to the reason, which keeps its text and gets focus', async () => {
    desk(() => ({
      status: 400,
      body: problem('REASON_REQUIRED', 'Give a reason of at least 10 characters.', 400, [
        { path: 'reason', message: 'needs at least 10 characters' },
      ]),
    }));
    await renderForm();
    fill('long enough here', PEOPLE.secondary.id); // passes the local check; the desk refuses it anyway
    fireEvent.click(screen.getByRole('button', { name: 'Approve and request co-sign' }));
    const error = await screen.findByText('The reason needs at least 10 characters.');
    const reason = screen.getByLabelText('Reason for approving');
    expect(reason.getAttribute('aria-invalid')).toBe('true');
    expect(reason.getAttribute('aria-describedby')?.split(' ')).toContain(error.id);
    expect((reason as HTMLTextAreaElement).value).toBe('long enough here');
    expect(screen.getByLabelText<HTMLSelectElement>('Co-signer (secondary approver)').value).toBe(
      PEOPLE.secondary.id,
    );
    // Focus moves in an effect after the message renders: wait for it rather than race it.
    await waitFor(() => expect(document.activeElement).toBe(reason));
    expect(document.querySelector('.form-error')).toBeNull(); // said once, next to the field
    // Changed, the desk's refusal goes: it was about what was sent.
    fireEvent.change(reason, { target: { value: 'long enough here, and more' } });
    expect(screen.queryByText('The reason needs at least 10 characters.')).toBeNull();
  });

  it('an incomplete form is checked here first: every field’s error at once, in words, no call and no step-up', async () => {
    const calls = desk(() => ({ body: {} }));
    const stepUp = vi.fn(() => Promise.resolve(true));
    onStepUpRequired(stepUp);
    await renderForm();
    fill('too short', '');
    fireEvent.click(screen.getByRole('button', { name: 'Approve and request co-sign' }));
    expect(
      screen.getByText(
        'The reason needs at least 10 characters. Spaces and invisible characters do not count.',
      ),
    ).toBeTruthy();
    expect(screen.getByText('Choose who co-signs from the list.')).toBeTruthy();
    expect(screen.queryByText(/Too small|expected string|Invalid UUID/)).toBeNull();
    const reason = screen.getByLabelText('Reason for approving');
    const select = screen.getByLabelText('Co-signer (secondary approver)');
    expect(reason.getAttribute('aria-invalid')).toBe('true');
    expect(select.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(reason); // the first field to fix
    expect(calls.some((c) => c.path.endsWith('/approve'))).toBe(false);
    expect(stepUp).not.toHaveBeenCalled();
  });

  it('each error goes as soon as its field is fixed; then the desk is asked (and only then a code)', async () => {
    let first = true;
    const calls = desk(() => {
      if (first) {
        first = false;
        return { status: 403, body: problem('STEP_UP_REQUIRED', 'Confirm with a fresh code.', 403) };
      }
      return { body: { status: 'awaiting_secondary', secondary: { name: PEOPLE.secondary.name } } };
    });
    const stepUp = vi.fn(() => Promise.resolve(true));
    onStepUpRequired(stepUp);
    const onDone = await renderForm();
    fill('', '');
    fireEvent.click(screen.getByRole('button', { name: 'Approve and request co-sign' }));
    expect(screen.getByText('Choose who co-signs from the list.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Co-signer (secondary approver)'), {
      target: { value: PEOPLE.secondary.id },
    });
    expect(screen.queryByText('Choose who co-signs from the list.')).toBeNull();
    expect(
      screen.getByText(
        'The reason needs at least 10 characters. Spaces and invisible characters do not count.',
      ),
    ).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Reason for approving'), { target: { value: REASON } });
    expect(screen.queryByText(/The reason needs/)).toBeNull();
    expect(stepUp).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Approve and request co-sign' }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(stepUp).toHaveBeenCalledTimes(1);
    expect(calls.filter((c) => c.path.endsWith('/approve')).at(-1)?.body).toEqual({
      reason: REASON,
      secondaryApproverId: PEOPLE.secondary.id,
    });
  });

  it('SELF_APPROVAL is shown at the form, focused, with the reason kept', async () => {
    desk(() => ({
      status: 403,
      body: problem(
        'SELF_APPROVAL',
        'You filed this request, so you cannot decide it: dual control needs two other people.',
        403,
      ),
    }));
    await renderForm();
    fill(REASON, PEOPLE.secondary.id);
    fireEvent.click(screen.getByRole('button', { name: 'Approve and request co-sign' }));
    const alert = await screen.findByText(/You filed this request, so you cannot decide it/);
    expect(alert.classList.contains('form-error')).toBe(true);
    // Focus moves in an effect after the message renders: wait for it rather than race it.
    await waitFor(() => expect(document.activeElement).toBe(alert));
    expect(screen.getByLabelText<HTMLTextAreaElement>('Reason for approving').value).toBe(REASON);
  });

  // What the desk answers when the chosen co-signer lost the role or was deactivated after the list loaded,
  // and when the primary somehow named themselves (approvals.decisions.ts).
  it.each([
    [
      'NOT_ELIGIBLE',
      'Carla Cosigner may not co-sign this request.',
      'may not co-sign this request',
      'The co-signer you chose may not co-sign this request.',
    ],
    [
      'SAME_APPROVER',
      'Carla Cosigner is you: choose someone else.',
      'is you: choose someone else',
      'The co-signer you chose is you: choose someone else.',
    ],
  ])(
    '%s about the co-signer is shown next to the drop-down, focused, with the reason and the choice kept',
    async (code, detail, message, shown) => {
      desk(() => ({
        status: 403,
        body: problem(code, detail, 403, [{ path: 'secondaryApproverId', message }]),
      }));
      await renderForm();
      fill(REASON, PEOPLE.secondary.id);
      fireEvent.click(screen.getByRole('button', { name: 'Approve and request co-sign' }));
      const error = await screen.findByText(shown);
      const select = screen.getByLabelText<HTMLSelectElement>('Co-signer (secondary approver)');
      expect(select.getAttribute('aria-invalid')).toBe('true');
      expect(select.getAttribute('aria-describedby')?.split(' ')).toContain(error.id);
      await waitFor(() => expect(document.activeElement).toBe(select));
      expect(select.value).toBe(PEOPLE.secondary.id);
      expect(screen.getByLabelText<HTMLTextAreaElement>('Reason for approving').value).toBe(REASON);
      expect(document.querySelector('.form-error')).toBeNull(); // said once, next to the field
    },
  );

  it('NOT_ELIGIBLE about the approver themselves is shown at the form, in words, with the reason kept', async () => {
    desk(() => ({
      status: 403,
      body: problem(
        'NOT_ELIGIBLE',
        'Your roles do not allow this decision for this kind of request, or your account is not active with MFA.',
        403,
      ),
    }));
    await renderForm();
    fill(REASON, PEOPLE.secondary.id);
    fireEvent.click(screen.getByRole('button', { name: 'Approve and request co-sign' }));
    const alert = await screen.findByText(/Your roles do not allow this decision/);
    expect(alert.classList.contains('form-error')).toBe(true);
    await waitFor(() => expect(document.activeElement).toBe(alert));
    expect(screen.getByLabelText<HTMLTextAreaElement>('Reason for approving').value).toBe(REASON);
  });

  it('disables the button while the desk answers, then reports success', async () => {
    let answer: (v: { body: unknown }) => void = () => undefined;
    desk(() => new Promise((resolve) => (answer = resolve)));
    const onDone = await renderForm();
    fill(REASON, PEOPLE.secondary.id);
    fireEvent.click(screen.getByRole('button', { name: 'Approve and request co-sign' }));
    const busy = await screen.findByRole('button', { name: 'Approving…' });
    expect((busy as HTMLButtonElement).disabled).toBe(true);
    await act(async () =>
      answer({
        body: {
          ...flagRequest(),
          status: 'awaiting_secondary',
          secondary: { ...PEOPLE.secondary, email: null, reason: null, at: null },
        },
      }),
    );
    await waitFor(() =>
      expect(onDone).toHaveBeenCalledWith(
        'You approved this request. Carla Cosigner has been asked to co-sign it.',
        'awaiting_secondary',
      ),
    );
  });

  it('STEP_UP_REQUIRED: the client asks for a code and retries; the form keeps what was typed', async () => {
    let attempts = 0;
    const stepUp = vi.fn(async () => true);
    onStepUpRequired(stepUp);
    const calls = desk(() =>
      ++attempts === 1
        ? { status: 403, body: problem('STEP_UP_REQUIRED', 'Confirm with a fresh authenticator code.', 403) }
        : { body: { ...flagRequest(), status: 'awaiting_secondary' } },
    );
    const onDone = await renderForm();
    fill(REASON, PEOPLE.secondary.id);
    fireEvent.click(screen.getByRole('button', { name: 'Approve and request co-sign' }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(stepUp).toHaveBeenCalledTimes(1);
    const posts = calls.filter((c) => c.method === 'POST');
    expect(posts.map((c) => c.body)).toEqual([
      { reason: REASON, secondaryApproverId: PEOPLE.secondary.id },
      { reason: REASON, secondaryApproverId: PEOPLE.secondary.id },
    ]);
  });

  it('a co-signer who leaves the list stays chosen and marked, so the choice is never silently changed', async () => {
    let list = ELIGIBLE;
    fakeDesk((call) => (call.path.endsWith('/eligible-approvers') ? { body: list } : undefined));
    const { client } = renderWithClient(<ApproveForm request={flagRequest()} onDone={vi.fn()} />);
    await screen.findByRole('option', { name: /Dan Other/ });
    fill(REASON, PEOPLE.other.id);
    list = { items: ELIGIBLE.items.slice(0, 1) };
    await act(() => client.invalidateQueries({ queryKey: ['approval', REQUEST_ID] }));
    await screen.findByRole('option', { name: 'Dan Other — Risk officer (no longer listed)' });
    expect(screen.getByLabelText<HTMLSelectElement>('Co-signer (secondary approver)').value).toBe(
      PEOPLE.other.id,
    );
  });
});

describe('CosignForm', () => {
  it('SAME_APPROVER: the primary cannot co-sign too; said at the form in words, the comment kept', async () => {
    fakeDesk((call) =>
      call.path.endsWith('/cosign')
        ? {
            status: 403,
            body: problem(
              'SAME_APPROVER',
              'You approved this request as primary; a different person must co-sign it.',
              403,
            ),
          }
        : undefined,
    );
    renderWithClient(
      <CosignForm
        request={flagRequest({
          status: 'awaiting_secondary',
          primary: { ...PEOPLE.primary, email: null, reason: REASON, at: new Date().toISOString() },
        })}
        onDone={vi.fn()}
      />,
    );
    fireEvent.change(screen.getByLabelText('Your reason for co-signing'), {
      target: { value: 'Looks right to me' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Co-sign and apply' }));
    const alert = await screen.findByText(
      /You approved this request as primary; a different person must co-sign it\./,
    );
    expect(alert.classList.contains('form-error')).toBe(true);
    await waitFor(() => expect(document.activeElement).toBe(alert));
    expect(screen.getByLabelText<HTMLTextAreaElement>('Your reason for co-signing').value).toBe(
      'Looks right to me',
    );
  });
});

describe('RejectForm', () => {
  it('a justification is required: the refusal lands on it and the text stays', async () => {
    fakeDesk((call) =>
      call.path.endsWith('/reject')
        ? {
            status: 400,
            body: problem('REASON_REQUIRED', 'Give a reason.', 400, [
              { path: 'reason', message: 'needs at least 10 characters' },
            ]),
          }
        : undefined,
    );
    renderWithClient(<RejectForm request={flagRequest()} onDone={vi.fn()} />);
    fireEvent.change(screen.getByLabelText('Justification for rejecting'), { target: { value: 'no' } });
    fireEvent.click(screen.getByRole('button', { name: 'Reject request' }));
    await screen.findByText('The reason needs at least 10 characters.');
    const field = screen.getByLabelText<HTMLTextAreaElement>('Justification for rejecting');
    expect(field.value).toBe('no');
    expect(field.getAttribute('aria-invalid')).toBe('true');
  });
});
