import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';

/**
 * Subscribes to GET /api/events (SSE) and refreshes whatever the event touches, so queues and the
 * AUTO_SETTLEMENT badge update without a reload. EventSource reconnects by itself.
 */
export function useLiveEvents() {
  const client = useQueryClient();
  useEffect(() => {
    const source = new EventSource('/api/events', { withCredentials: true });
    const onApproval = (e: MessageEvent<string>) => {
      const data = JSON.parse(e.data) as { id: string };
      void client.invalidateQueries({ queryKey: ['approvals'] });
      void client.invalidateQueries({ queryKey: ['approval', data.id] });
      void client.invalidateQueries({ queryKey: ['flags'] });
      void client.invalidateQueries({ queryKey: ['flag'] });
    };
    const onFlag = () => {
      void client.invalidateQueries({ queryKey: ['flags'] });
      void client.invalidateQueries({ queryKey: ['flag'] });
    };
    // A settlement moved or a fill was held back: the queue, its summary, the detail and the wallets.
    const onSettlement = (e: MessageEvent<string>) => {
      const data = JSON.parse(e.data) as { id: string };
      void client.invalidateQueries({ queryKey: ['settlements'] });
      void client.invalidateQueries({ queryKey: ['settlement', data.id] });
      void client.invalidateQueries({ queryKey: ['wallets'] });
      void client.invalidateQueries({ queryKey: ['ledger'] });
    };
    source.addEventListener('approval.created', onApproval);
    source.addEventListener('approval.changed', onApproval);
    source.addEventListener('flag.changed', onFlag);
    source.addEventListener('settlement.changed', onSettlement);
    source.addEventListener('settlement.flagged', onSettlement);
    return () => source.close();
  }, [client]);
}
