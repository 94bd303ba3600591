import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

/**
 * One form's call to the desk: busy while it runs, the refusal if any, and what came back. Refreshes
 * the approvals queue and this client after a request is filed.
 */
export function useFile<T>(clientId?: string) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<T | null>(null);
  const queries = useQueryClient();
  const run = async (call: () => Promise<T>) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const result = await call();
      setDone(result);
      void queries.invalidateQueries({ queryKey: ['approvals'] });
      void queries.invalidateQueries({ queryKey: ['clients'] });
      if (clientId) void queries.invalidateQueries({ queryKey: ['client', clientId] });
      return result;
    } catch (err) {
      setError(err);
      return null;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, run, reset: () => setDone(null) };
}
