import { useState } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../../api/messages';
import type { ChangeRequest } from '../../api/types';
import { useSession } from '../../app/session';
import { dateTime } from '../../components/format';
import { FlaggedActions } from './FlaggedActions';
import {
  FLAG_REASONS,
  FLAGGED_STATUSES,
  FLAGGED_WORDS,
  networkName,
  REASON_WORDS,
  shortTime,
  usdt,
  type FlaggedEvent,
  type Summary,
} from './model';
import { useClientNames, useFlagged, useOpenSettlementRequests, type FlaggedFilter } from './queries';
import { FilterSelect } from '../../components/FilterSelect';
import { LoadMore } from '../../components/LoadMore';

/** The open requests that already name an event (by id, or every open event of its reason). */
function requestsFor(e: FlaggedEvent, open: ChangeRequest[]): ChangeRequest[] {
  return open.filter((r) => {
    const p = (r.payload ?? {}) as { eventIds?: string[]; reason?: string };
    return p.eventIds ? p.eventIds.includes(e.id) : r.kind === 'settlement.requeue' && p.reason === e.reason;
  });
}

function Resolution({ e }: { e: FlaggedEvent }) {
  if (e.status === 'open') return null;
  return (
    <div className="field-hint">
      {dateTime(e.resolvedAt)}
      {e.resolvedByRequest && (
        <>
          {' · '}
          <Link to={`/approvals/${e.resolvedByRequest}`}>the request</Link>
        </>
      )}
      {e.settlementId && (
        <>
          {' · '}
          <Link to={`/settlements/${e.settlementId}`}>the settlement</Link>
        </>
      )}
      {e.resolutionNote && <blockquote className="quoted">{e.resolutionNote}</blockquote>}
    </div>
  );
}

/** Flagged events: why each fill was held back, the trade as booked, and the requeue / dismiss requests. */
export function FlaggedSection({
  filter,
  onFilter,
  summary,
}: {
  filter: FlaggedFilter;
  onFilter: (f: Partial<FlaggedFilter>) => void;
  summary: Summary | undefined;
}) {
  const { can } = useSession();
  const mayRequest = can('approvals:request');
  const list = useFlagged(filter);
  const open = useOpenSettlementRequests(can('approvals:read'));
  const [ticked, setTicked] = useState<Set<string>>(new Set());
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const client = useClientNames(
    items.map((e) => e.trade.clientId),
    can('clients:read'),
  );
  const openItems = items.filter((e) => e.status === 'open');
  // Only ticks on open events that are still shown count (an event requeued meanwhile drops out).
  const selected = openItems.filter((e) => ticked.has(e.id)).map((e) => e.id);
  const allTicked = openItems.length > 0 && selected.length === openItems.length;

  const toggle = (id: string, on: boolean) =>
    setTicked((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  return (
    <div className="columns flagged">
      <div className="column-main">
        <div className="filters">
          <FilterSelect
            id="flagged-status"
            label="Status"
            any="Any status"
            value={filter.status}
            options={FLAGGED_STATUSES}
            words={(s) => FLAGGED_WORDS[s]}
            onChange={(status) => onFilter({ status })}
          />
          <FilterSelect
            id="flagged-reason"
            label="Reason"
            any="Any reason"
            value={filter.reason}
            options={FLAG_REASONS}
            words={(r) => REASON_WORDS[r].title}
            onChange={(reason) => onFilter({ reason })}
          />
        </div>
        {list.isPending ? (
          <p className="loading" role="status">
            Loading flagged events…
          </p>
        ) : list.isError ? (
          <p className="form-error" role="alert">
            {errorMessage(list.error)}
          </p>
        ) : items.length === 0 ? (
          <p className="empty" data-testid="flagged-empty">
            {filter.status === 'open' && !filter.reason
              ? 'No fill is held back: every booked trade is settling.'
              : 'No flagged events match these filters.'}
          </p>
        ) : (
          <>
            <table className="data flagged-table" data-testid="flagged-table">
              <caption className="sr-only">Flagged events, newest first</caption>
              <thead>
                <tr>
                  {mayRequest && (
                    <th scope="col" className="tick">
                      <input
                        type="checkbox"
                        aria-label="Tick every open event shown"
                        checked={allTicked}
                        disabled={openItems.length === 0}
                        onChange={(e) =>
                          setTicked(e.target.checked ? new Set(openItems.map((x) => x.id)) : new Set())
                        }
                      />
                    </th>
                  )}
                  <th scope="col">Why it was held back</th>
                  <th scope="col">Trade</th>
                  <th scope="col">Client</th>
                  <th scope="col">Booked</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {items.map((e) => {
                  const pending = requestsFor(e, open.data ?? []);
                  const t = e.trade;
                  return (
                    <tr
                      key={e.id}
                      data-testid="flagged-row"
                      data-event-id={e.id}
                      className={ticked.has(e.id) && e.status === 'open' ? 'ticked' : undefined}
                    >
                      {mayRequest && (
                        <td className="tick">
                          {e.status === 'open' && (
                            <input
                              type="checkbox"
                              aria-label={`Tick the ${t.side ?? ''} of ${usdt(t.amountUsdt)} USDT`}
                              checked={ticked.has(e.id)}
                              onChange={(x) => toggle(e.id, x.target.checked)}
                            />
                          )}
                        </td>
                      )}
                      <td className="reason-cell">
                        <strong>{REASON_WORDS[e.reason]?.title ?? e.reason}</strong>
                        <div className="field-hint">{e.detail ?? REASON_WORDS[e.reason]?.short}</div>
                        <div className="mono-small muted-text reason-code">{e.reason}</div>
                      </td>
                      <td>
                        <span className={`side side-${t.side}`}>
                          {t.side === 'sell' ? 'Client sells' : 'Client buys'}
                        </span>
                        <div className="amount">{usdt(t.amountUsdt)} USDT</div>
                        <div className="field-hint">{networkName(t.network)}</div>
                      </td>
                      <td>{client(t.clientId)}</td>
                      <td className="nowrap">
                        <time dateTime={t.bookedAt} title={dateTime(t.bookedAt)}>
                          {shortTime(t.bookedAt)}
                        </time>
                        <div className="field-hint">flagged {shortTime(e.createdAt)}</div>
                      </td>
                      <td>
                        <span className={`status flagged-${e.status}`}>{FLAGGED_WORDS[e.status]}</span>
                        {e.status === 'open' && e.settlementId && (
                          <div className="field-hint">
                            <Link to={`/settlements/${e.settlementId}`}>its settlement</Link>
                          </div>
                        )}
                        {e.status === 'open' &&
                          pending.map((r) => (
                            <div key={r.id} className="field-hint">
                              <Link to={`/approvals/${r.id}`}>
                                {r.kind === 'settlement.dismiss'
                                  ? 'dismissal requested'
                                  : 'requeue requested'}
                              </Link>
                            </div>
                          ))}
                        <Resolution e={e} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <LoadMore list={list} shown={items.length} one="event" many="events" />
          </>
        )}
      </div>
      {mayRequest && (
        <div className="column-side">
          <FlaggedActions
            selected={selected}
            openByReason={summary?.openFlaggedByReason ?? {}}
            onFiled={() => setTicked(new Set())}
          />
        </div>
      )}
    </div>
  );
}
