// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChangeRequestDetail, Me } from '../../api/types';
import { SessionProvider } from '../../app/session';
import { DetailPage } from './DetailPage';
import {
  fakeDesk,
  flagRequest,
  me,
  PEOPLE,
  problem,
  renderWithClient,
  REQUEST_ID,
  type Call,
} from './test-utils';

const person = (
  p: (typeof PEOPLE)[keyof typeof PEOPLE],
  extra: { reason?: string | null; at?: string | null } = {},
) => ({ ...p, email: null, reason: null, at: null, ...extra });
const awaiting = () =>
  flagRequest({
    status: 'awaiting_secondary',
    primary: person(PEOPLE.primary, { reason: 'Checked the runbook', at: new Date().toISOString() }),
    secondary: person(PEOPLE.secondary),
  });

function open(
  viewer: Me,
  detail: () => ChangeRequestDetail,
  decide: (call: Call) => { status?: number; body?: unknown } | undefined = () => undefined,
) {
  const calls = fakeDesk((call) => {
    if (call.path === '/api/me') return { body: viewer };
    if (call.path === `/api/approvals/${REQUEST_ID}`) return { body: detail() };
    if (call.path.endsWith('/eligible-approvers'))
      return { body: { items: [{ ...PEOPLE.secondary, email: 'c@desk.test', telegramLinked: false }] } };
    if (call.method === 'POST') return decide(call);
    return undefined;
  });
  const rendered = renderWithClient(
    <SessionProvider>
      <DetailPage />
    </SessionProvider>,
    { path: `/approvals/${REQUEST_ID}`, route: '/approvals/:id' },
  );
  return { calls, ...rendered };
}

const decisionForms = () =>
  within(screen.getByRole('region', { name: 'Your decision' }))
    .queryAllByRole('heading', { level: 3 })
    .map((h) => h.textContent);

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('DetailPage', () => {
  it('says when nobody eligible exists, naming the missing role', async () => {
    open(me(PEOPLE.primary), () =>
      flagRequest({
        undecidableReason: 'Nobody can approve this: it needs another active operator with risk_officer.',
        missingRoles: ['risk_officer'],
      }),
    );
    const banner = await screen.findByTestId('undecidable');
    expect(banner.textContent).toContain('cannot be decided yet');
    expect(banner.textContent).toContain('Missing role: Risk officer (Operators).');
  });

  it('shows what changes, the digest, the requester, the policy and the history', async () => {
    open(me(PEOPLE.primary), () => flagRequest());
    await screen.findByRole('heading', { name: 'Turn AUTO_SETTLEMENT on', level: 1 });
    const diff = screen.getByTestId('diff');
    expect(within(diff).getByText('off').className).toBe('before');
    expect(within(diff).getByText('on').className).toBe('after');
    expect(screen.getByTestId('digest').textContent).toBe('a'.repeat(64));
    expect(screen.getByTestId('requester').textContent).toBe('Rita Requester');
    expect(screen.getByText('pilot starts Monday')).toBeTruthy();
    expect(screen.getByText('Risk officer, Platform admin')).toBeTruthy();
    expect(screen.getByText('4 h 0 min')).toBeTruthy();
    expect(within(screen.getByTestId('history')).getByText('Filed')).toBeTruthy();
  });

  it('marks the tier the server matched and names its co-signers (the console does not judge tiers itself)', async () => {
    const tiered = () =>
      flagRequest({
        policy: {
          kind: 'flag.set',
          primaryRoles: ['risk_officer'],
          secondaryRoles: ['risk_officer', 'platform_admin'],
          ttlSeconds: 14400,
          tiers: [
            {
              name: 'small',
              when: { path: 'amount', op: 'lt', value: '10' },
              secondaryRoles: ['ops_approver'],
            },
            { name: 'large', when: { path: 'amount', op: 'gte', value: '10' }, secondaryRoles: ['auditor'] },
          ],
        },
        matchedTier: 'large',
        coSignerRoles: ['auditor'],
      });
    open(me(PEOPLE.primary), tiered);
    await screen.findByRole('heading', { name: 'Policy in force' });
    const applies = screen.getByText('applies here').closest('li');
    expect(applies?.className).toBe('applies');
    expect(applies?.textContent).toContain('large');
    expect(screen.getAllByText('applies here')).toHaveLength(1);
    expect(screen.getByText('Auditor')).toBeTruthy();
  });

  it('shows the requester’s roles as badges and their email when the desk sends them', async () => {
    open(me(PEOPLE.primary), () =>
      flagRequest({
        requestedBy: {
          type: 'operator',
          id: PEOPLE.requester.id,
          name: PEOPLE.requester.name,
          roles: ['risk_officer', 'ops_approver'],
          email: 'rita@desk.test',
        },
      }),
    );
    await screen.findByRole('heading', { name: 'Turn AUTO_SETTLEMENT on', level: 1 });
    const roles = within(screen.getByRole('list', { name: "Requester's roles" })).getAllByRole('listitem');
    expect(roles.map((r) => [r.textContent, r.className])).toEqual([
      ['Risk officer', 'badge muted'],
      ['Ops approver', 'badge muted'],
    ]);
    const email = within(screen.getByTestId('requester-email')).getByRole('link', { name: 'rita@desk.test' });
    expect(email.getAttribute('href')).toBe('mailto:rita@desk.test');
  });

  it('says a requester has no role, and shows neither roles nor email when the desk sends none', async () => {
    open(me(PEOPLE.primary), () =>
      flagRequest({
        requestedBy: { type: 'operator', id: PEOPLE.requester.id, name: PEOPLE.requester.name, roles: [] },
      }),
    );
    await screen.findByRole('heading', { name: 'Turn AUTO_SETTLEMENT on', level: 1 });
    expect(screen.getByTestId('requester-roles').textContent).toBe('No role');
    expect(screen.queryByTestId('requester-email')).toBeNull();
    cleanup();

    open(me(PEOPLE.primary), () => flagRequest());
    await screen.findByRole('heading', { name: 'Turn AUTO_SETTLEMENT on', level: 1 });
    expect(screen.getByTestId('requester').textContent).toBe('Rita Requester');
    expect(screen.queryByTestId('requester-roles')).toBeNull();
    expect(screen.queryByTestId('requester-email')).toBeNull();
    expect(screen.queryByText('Their roles')).toBeNull();
  });

  it('a risk officer sees Approve and Reject on a pending request', async () => {
    open(me(PEOPLE.primary), () => flagRequest());
    await screen.findByRole('heading', { name: 'Approve' });
    expect(decisionForms()).toEqual(['Approve', 'Reject']);
  });

  it('the requester sees why they cannot decide, and Cancel', async () => {
    open(me(PEOPLE.requester), () => flagRequest());
    await screen.findByTestId('viewer-notice');
    expect(decisionForms()).toEqual(['Cancel your request']);
  });

  it('the requester cancels after confirming once; the page says so', async () => {
    let current = flagRequest();
    const { calls } = open(
      me(PEOPLE.requester),
      () => current,
      (call) => {
        if (!call.path.endsWith('/cancel')) return undefined;
        current = flagRequest({ status: 'cancelled', decidedAt: new Date().toISOString() });
        return { body: current };
      },
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel this request' }));
    const yes = screen.getByRole('button', { name: 'Yes, cancel the request' });
    // Focus moves in an effect after the message renders: wait for it rather than race it.
    await waitFor(() => expect(document.activeElement).toBe(yes));
    expect(calls.some((c) => c.method === 'POST')).toBe(false); // nothing sent before the confirmation
    fireEvent.click(yes);
    expect((await screen.findByTestId('decision-notice')).textContent).toBe('You cancelled this request.');
    await waitFor(() => expect(screen.getByTestId('request-status').textContent).toBe('Cancelled'));
    expect(calls.filter((c) => c.method === 'POST').map((c) => [c.path, c.body])).toEqual([
      [`/api/approvals/${REQUEST_ID}/cancel`, {}],
    ]);
    expect(decisionForms()).toEqual([]);
  });

  it('only the named secondary sees Co-sign, with the primary’s reason', async () => {
    open(me(PEOPLE.secondary), awaiting);
    await screen.findByRole('heading', { name: 'Co-sign' });
    expect(decisionForms()).toEqual(['Co-sign', 'Reject']);
    expect(
      screen.getByText('Checked the runbook', {
        selector: 'blockquote.primary-reason, blockquote.primary-reason *',
      }),
    ).toBeTruthy();
    cleanup();
    vi.unstubAllGlobals();
    open(me(PEOPLE.other), awaiting);
    await screen.findByTestId('viewer-notice');
    expect(screen.getByTestId('viewer-notice').textContent).toMatch(/waits for Carla Cosigner to co-sign/);
    expect(decisionForms()).toEqual(['Reject']);
  });

  it('ALREADY_DECIDED: the form stays with the refusal and the reason, the page shows the real state', async () => {
    let current = flagRequest();
    const { calls } = open(
      me(PEOPLE.primary),
      () => current,
      (call) => {
        if (!call.path.endsWith('/approve')) return undefined;
        current = flagRequest({
          status: 'rejected',
          decidedAt: new Date().toISOString(),
          rejection: { ...PEOPLE.other, email: null, reason: 'Not during the audit' },
        });
        return { status: 409, body: problem('ALREADY_DECIDED', 'This request is already rejected.', 409) };
      },
    );
    await screen.findByRole('option', { name: /Carla Cosigner/ });
    fireEvent.change(screen.getByLabelText('Reason for approving'), {
      target: { value: 'Checked the runbook and the plan' },
    });
    fireEvent.change(screen.getByLabelText('Co-signer (secondary approver)'), {
      target: { value: PEOPLE.secondary.id },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Approve and request co-sign' }));
    const alert = await screen.findByText(
      /This request is already rejected\. Someone decided this request meanwhile/,
    );
    await waitFor(() => expect(screen.getByTestId('request-status').textContent).toBe('Rejected'));
    // Focus moves in an effect after the message renders: wait for it rather than race it.
    await waitFor(() => expect(document.activeElement).toBe(alert));
    expect(screen.getByLabelText<HTMLTextAreaElement>('Reason for approving').value).toBe(
      'Checked the runbook and the plan',
    );
    expect(
      screen.getByRole<HTMLButtonElement>('button', { name: 'Approve and request co-sign' }).disabled,
    ).toBe(true);
    expect(decisionForms()).toEqual(['Approve']); // Reject went away: the request is closed
    expect(calls.filter((c) => c.path === `/api/approvals/${REQUEST_ID}`).length).toBeGreaterThanOrEqual(2);
  });

  it('a change made elsewhere while the page is open is announced', async () => {
    let current = flagRequest();
    const { client } = open(me(PEOPLE.other), () => current);
    await screen.findByRole('heading', { name: 'Approve' });
    current = awaiting();
    await act(() => client.invalidateQueries({ queryKey: ['approval', REQUEST_ID] }));
    expect((await screen.findByTestId('decision-notice')).textContent).toBe(
      'This request changed while you were viewing it: it is now awaiting co-sign.',
    );
    expect(decisionForms()).toEqual(['Reject']);
  });

  it('a missing request says so', async () => {
    fakeDesk((call) =>
      call.path === '/api/me'
        ? { body: me(PEOPLE.primary) }
        : { status: 404, body: problem('NOT_FOUND', 'Change request x was not found.', 404) },
    );
    renderWithClient(
      <SessionProvider>
        <DetailPage />
      </SessionProvider>,
      { path: `/approvals/${REQUEST_ID}`, route: '/approvals/:id' },
    );
    expect((await screen.findByRole('alert')).textContent).toBe('There is no change request with this id.');
  });
});
