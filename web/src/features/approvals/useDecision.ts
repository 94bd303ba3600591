import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import type { ChangeRequest } from '../../api/types';
import { closesForm, questionsIdentity } from './refusals';
import { keys } from './queries';

export type Decision = 'approve' | 'cosign' | 'reject' | 'cancel';

/**
 * Posts one decision. STEP_UP_REQUIRED never reaches the form: the API client opens the step-up
 * dialog and retries, while the form stays as it is (busy). Any other refusal is kept for the form
 * to show; the request is fetched again so the page shows its real state.
 */
export function useDecision(
  requestId: string,
  decision: Decision,
  handlers: { onDone: (request: ChangeRequest) => void; onRefused?: (err: unknown) => void },
) {
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const refresh = () => {
    void client.invalidateQueries({ queryKey: keys.detail(requestId) });
    void client.invalidateQueries({ queryKey: ['approvals'] });
  };

  const submit = async (body: Record<string, unknown>) => {
    setBusy(true);
    setError(null);
    try {
      const done = await api.post<ChangeRequest>(`/api/approvals/${requestId}/${decision}`, body);
      refresh();
      void client.invalidateQueries({ queryKey: ['flags'] });
      handlers.onDone(done);
    } catch (err) {
      setError(err);
      if (closesForm(err) || questionsIdentity(err)) refresh();
      if (questionsIdentity(err)) void client.invalidateQueries({ queryKey: ['me'] });
      handlers.onRefused?.(err);
    } finally {
      setBusy(false);
    }
  };

  return { busy, error, submit };
}
