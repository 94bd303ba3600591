// @vitest-environment jsdom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { filingWarningText, FilingWarning } from './FilingWarning';
import { fakeFetch, renderScreen } from './test-desk';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('FilingWarning', () => {
  it('names the missing role and the step nobody could take', () => {
    expect(filingWarningText({ step: 'primary', missingRoles: ['platform_admin'] })).toBe(
      'Nobody can approve this yet: no platform admin other than you has enrolled.',
    );
    expect(filingWarningText({ step: 'secondary', missingRoles: ['risk_officer', 'platform_admin'] })).toBe(
      'Nobody can co-sign this yet: no risk officer or platform admin other than you and the approver has enrolled.',
    );
  });

  it('asks the desk about the kind and shows the warning only when undecidable', async () => {
    let decidable = false;
    const calls = fakeFetch((c) =>
      c.path === '/api/approvals/policies/flag.set/eligibility'
        ? {
            body: {
              kind: 'flag.set',
              decidable,
              step: decidable ? null : 'secondary',
              undecidableReason: decidable ? null : 'Nobody can co-sign this',
              missingRoles: decidable ? [] : ['risk_officer'],
            },
          }
        : undefined,
    );
    const first = renderScreen(<FilingWarning kind="flag.set" />);
    const warning = await screen.findByTestId('filing-warning');
    expect(warning.textContent).toContain('Nobody can co-sign this yet: no risk officer other than you');
    expect(calls.map((c) => c.path)).toEqual(['/api/approvals/policies/flag.set/eligibility']);
    first.unmount();

    decidable = true;
    renderScreen(<FilingWarning kind="flag.set" />);
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    expect(screen.queryByTestId('filing-warning')).toBeNull();
  });
});
