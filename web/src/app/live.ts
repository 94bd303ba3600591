import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';

/** Every query an event can touch: what a console refreshes after missing events while disconnected. */
const LIVE_KEYS = [
  ['approvals'],
  ['approval'],
  ['flags'],
  ['flag'],
  ['settlements'],
  ['settlement'],
  ['wallets'],
  ['ledger'],
  ['alerts'],
  ['clients'],
  ['client'],
  ['trades'],
  ['trade'],
] as const;

/** After the browser gives up on the stream (a proxy answering 502, say), how long before trying again; doubled each time, up to a minute. */
export const RECONNECT_MS = 5_000;
const RECONNECT_MAX_MS = 60_000;

/**
 * Subscribes to GET /api/events (SSE) and refreshes whatever the event touches, so queues and the
 * AUTO_SETTLEMENT badge update without a reload. The desk does not replay events missed while the
 * stream was down (laptop asleep, proxy restarted), so every reconnection refreshes all live queries.
 * EventSource reconnects by itself after a dropped connection; after a refused one it stops, so this
 * opens a new one.
 */
export function useLiveEvents() {
  const client = useQueryClient();
  useEffect(() => connectLive(client), [client]);
}

/** Opens the stream and keeps it open; returns the function that closes it for good. */
export function connectLive(client: QueryClient): () => void {
  const refresh = (...keys: (readonly unknown[])[]) => {
    for (const queryKey of keys) void client.invalidateQueries({ queryKey });
  };
  const onApproval = (e: MessageEvent<string>) => {
    const data = JSON.parse(e.data) as { id: string };
    // A decided request may have moved a client (access, limits, address) or a trade (cancel, amend).
    refresh(['approvals'], ['approval', data.id], ['flags'], ['flag'], ['clients'], ['client'], ['trade']);
  };
  const onFlag = () => refresh(['flags'], ['flag']);
  // A settlement moved or a fill was held back: the queue, its summary, the detail and the wallets.
  const onSettlement = (e: MessageEvent<string>) => {
    const data = JSON.parse(e.data) as { id: string };
    refresh(
      ['settlements'],
      ['settlement', data.id],
      ['wallets'],
      ['ledger'],
      ['trades'],
      ['trade'],
      ['client'],
    );
  };

  let source: EventSource | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let everOpen = false;
  let stopped = false;
  let delay = RECONNECT_MS;
  const connect = () => {
    const s = new EventSource('/api/events', { withCredentials: true });
    source = s;
    s.addEventListener('open', () => {
      // The first connection loaded with the page's own queries; any later one may have missed events.
      if (everOpen) refresh(...LIVE_KEYS);
      everOpen = true;
      delay = RECONNECT_MS;
    });
    s.addEventListener('error', () => {
      if (s.readyState !== EventSource.CLOSED || stopped) return;
      // Refused: maybe the session ended (signed out elsewhere, deactivated). Asking who is signed in
      // sends the console to the sign-in page then, which closes this for good; otherwise try again later.
      refresh(['me']);
      retry = setTimeout(connect, delay);
      delay = Math.min(delay * 2, RECONNECT_MAX_MS);
    });
    s.addEventListener('approval.created', onApproval);
    s.addEventListener('approval.changed', onApproval);
    s.addEventListener('flag.changed', onFlag);
    s.addEventListener('settlement.changed', onSettlement);
    s.addEventListener('settlement.flagged', onSettlement);
    // An alert moved, was silenced or its threshold changed: the list, the header count, the history.
    s.addEventListener('alert.changed', () => refresh(['alerts']));
  };
  connect();
  return () => {
    stopped = true;
    clearTimeout(retry);
    source?.close();
  };
}
