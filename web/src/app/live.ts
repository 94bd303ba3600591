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
    source.addEventListener('approval.created', onApproval);
    source.addEventListener('approval.changed', onApproval);
    source.addEventListener('flag.changed', onFlag);
    return () => source.close();
  }, [client]);
}
