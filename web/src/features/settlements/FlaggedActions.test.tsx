// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeFetch, refusal, renderScreen } from '../../components/test-desk';
import { FlaggedActions } from './FlaggedActions';

const E1 = '11111111-1111-4111-8111-111111111111';
const E2 = '22222222-2222-4222-8222-222222222222';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const filedRequest = {
  id: '33333333-3333-4333-8333-333333333333',
  kind: 'settlement.requeue',
  status: 'pending',
  summary: 'Requeue 2 flagged settlements (AUTO_SETTLEMENT_DISABLED)',
  payload: {},
};

describe('FlaggedActions', () => {
  it('“tick an event first” goes as soon as an event is ticked', async () => {
    const calls = fakeFetch(() => ({ status: 201, body: filedRequest }));
    const view = renderScreen(<FlaggedActions selected={[]} openByReason={{}} onFiled={() => undefined} />);
    fireEvent.click(screen.getByRole('button', { name: 'Request requeue' }));
    await screen.findByText('Tick at least one open event in the table first.');
    view.rerender(<FlaggedActions selected={[E1]} openByReason={{}} onFiled={() => undefined} />);
    expect(screen.queryByText('Tick at least one open event in the table first.')).toBeNull();
    expect(calls).toEqual([]);
  });

  it('files settlement.requeue with the ticked events and the note, then links to the request', async () => {
    const calls = fakeFetch(() => ({ status: 201, body: filedRequest }));
    const onFiled = vi.fn();
    renderScreen(<FlaggedActions selected={[E1, E2]} openByReason={{}} onFiled={onFiled} />);
    fireEvent.change(screen.getByLabelText('Note for the approvers'), {
      target: { value: 'Client confirmed by phone' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Request requeue of 2 events' }));
    const filed = await screen.findByTestId('filed-request');
    expect(filed.querySelector('a')?.getAttribute('href')).toBe(`/approvals/${filedRequest.id}`);
    expect(calls).toEqual([
      {
        method: 'POST',
        path: '/api/approvals',
        body: {
          kind: 'settlement.requeue',
          payload: { eventIds: [E1, E2] },
          note: 'Client confirmed by phone',
        },
      },
    ]);
    expect(onFiled).toHaveBeenCalledOnce();
  });

  it('shows AUTO_SETTLEMENT is off at the form with a way to turn it on, keeping the note', async () => {
    fakeFetch(() => ({
      status: 400,
      body: refusal(
        'VALIDATION_FAILED',
        'AUTO_SETTLEMENT is off: turn it on (flag.set) before requeueing, or the settlements would be held again.',
        400,
        [{ path: 'payload', message: 'AUTO_SETTLEMENT is off' }],
      ),
    }));
    const onFiled = vi.fn();
    renderScreen(
      <FlaggedActions selected={[E1]} openByReason={{ AUTO_SETTLEMENT_DISABLED: 3 }} onFiled={onFiled} />,
    );
    fireEvent.change(screen.getByLabelText('Note for the approvers'), { target: { value: 'pilot desk' } });
    fireEvent.click(screen.getByRole('button', { name: 'Requeue all open AUTO_SETTLEMENT_DISABLED (3)' }));
    expect((await screen.findByRole('alert')).textContent).toContain('AUTO_SETTLEMENT is off');
    expect(screen.getByTestId('turn-on-hint').querySelector('a')?.getAttribute('href')).toBe(
      '/flags/AUTO_SETTLEMENT',
    );
    expect(screen.getByLabelText<HTMLTextAreaElement>('Note for the approvers').value).toBe('pilot desk');
    expect(onFiled).not.toHaveBeenCalled();
  });

  it('puts a dismissal reason refusal next to the reason; asks for a tick before calling the desk', async () => {
    const calls = fakeFetch(() => ({
      status: 400,
      body: refusal('VALIDATION_FAILED', 'The payload is not a valid settlement.dismiss.', 400, [
        { path: 'payload.reason', message: 'say why, in at least 10 characters' },
      ]),
    }));
    renderScreen(<FlaggedActions selected={[]} openByReason={{}} onFiled={() => undefined} />);
    fireEvent.click(screen.getByRole('button', { name: 'Request dismissal' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Tick at least one open event in the table first.',
    );
    expect(calls).toEqual([]);
    cleanup();
    renderScreen(<FlaggedActions selected={[E2]} openByReason={{}} onFiled={() => undefined} />);
    fireEvent.change(screen.getByLabelText('Why dismiss them?'), { target: { value: 'dup' } });
    fireEvent.click(screen.getByRole('button', { name: 'Request dismissal of 1 event' }));
    expect((await screen.findByText('say why, in at least 10 characters')).id).toBe('dismiss-reason-error');
    expect(screen.getByLabelText<HTMLTextAreaElement>('Why dismiss them?').value).toBe('dup');
    expect(calls.at(-1)?.body).toEqual({
      kind: 'settlement.dismiss',
      payload: { eventIds: [E2], reason: 'dup' },
    });
  });
});

describe('FlaggedActions, an event resolved meanwhile', () => {
  it('says so at the form and keeps the dismissal reason', async () => {
    fakeFetch(() => ({
      status: 400,
      body: refusal('VALIDATION_FAILED', `Flagged event ${E1} is already requeued.`, 400, [
        { path: 'payload.eventIds', message: `Flagged event ${E1} is already requeued.` },
      ]),
    }));
    renderScreen(<FlaggedActions selected={[E1]} openByReason={{}} onFiled={() => undefined} />);
    fireEvent.change(screen.getByLabelText('Why dismiss them?'), {
      target: { value: 'Client withdrew the order' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Request dismissal of 1 event' }));
    expect((await screen.findByRole('alert')).textContent).toContain('is already requeued');
    expect(screen.getByText(/check your ticks and file again/)).toBeTruthy();
    expect(screen.getByLabelText<HTMLTextAreaElement>('Why dismiss them?').value).toBe(
      'Client withdrew the order',
    );
  });
});
