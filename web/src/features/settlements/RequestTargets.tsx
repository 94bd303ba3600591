import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, qs } from '../../api/client';
import type { ChangeRequest } from '../../api/types';
import { useSession } from '../../app/session';
import {
  FLAGGED_WORDS,
  networkName,
  REASON_WORDS,
  shortTime,
  usdt,
  type FlaggedEvent,
  type Page,
} from './model';
import { useClientNames } from './queries';

/**
 * On a settlement.requeue / settlement.dismiss request: the flagged events it names (or, for "every
 * open event of a reason", the ones it covers now or moved when applied), so approvers see the
 * trades they are deciding on, not only ids.
 */
export function RequestTargets({ request }: { request: ChangeRequest }) {
  const { can } = useSession();
  const p = (request.payload ?? {}) as { eventIds?: string[]; reason?: string };
  const allowed = can('settlements:read');
  const events = useQuery({
    queryKey: ['settlements', 'flagged', 'of-request', request.id],
    queryFn: () =>
      api.get<Page<FlaggedEvent>>(
        `/api/settlements/flagged${qs({ reason: p.eventIds ? undefined : p.reason, limit: 200 })}`,
      ),
    enabled: allowed,
  });
  const items = (events.data?.items ?? []).filter((e) =>
    p.eventIds ? p.eventIds.includes(e.id) : e.resolvedByRequest === request.id || e.status === 'open',
  );
  const client = useClientNames(
    items.map((e) => e.trade.clientId),
    can('clients:read'),
  );
  if (!allowed) return null;
  const missing = p.eventIds ? p.eventIds.length - items.length : 0;
  return (
    <section className="card" aria-labelledby="targets-title" data-testid="request-targets">
      <h2 id="targets-title">Flagged events in this request</h2>
      {events.isPending ? (
        <p className="muted-text">Loading the events…</p>
      ) : items.length === 0 ? (
        <p className="muted-text">
          {p.reason ? `No open ${p.reason} event right now.` : 'None of the named events could be found.'}
        </p>
      ) : (
        <table className="targets">
          <thead>
            <tr>
              <th scope="col">Reason</th>
              <th scope="col">Trade</th>
              <th scope="col">Client</th>
              <th scope="col">Booked</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id}>
                <td>{REASON_WORDS[e.reason]?.title ?? e.reason}</td>
                <td>
                  {e.trade.side === 'sell' ? 'sells' : 'buys'}{' '}
                  <strong>{usdt(e.trade.amountUsdt)} USDT</strong>
                  <div className="muted-text nowrap">{networkName(e.trade.network)}</div>
                </td>
                <td>{client(e.trade.clientId)}</td>
                <td>{shortTime(e.trade.bookedAt)}</td>
                <td>
                  {FLAGGED_WORDS[e.status]}
                  {e.settlementId && (
                    <>
                      {' · '}
                      <Link to={`/settlements/${e.settlementId}`}>settlement</Link>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {missing > 0 && (
        <p className="field-hint">
          {missing} more not shown here (older than the newest 200 flagged events).
        </p>
      )}
    </section>
  );
}
