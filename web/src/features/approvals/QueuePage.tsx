import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { errorMessage } from '../../api/messages';
import type { ChangeRequest, RequestPage, RequestStatus } from '../../api/types';
import { STATUS_LABELS } from '../../components/format';
import { useSession } from '../../app/session';
import { ALL_STATUSES, kindLabel, kindOption, OPEN_STATUSES } from './model';
import { useApprovalList, usePolicies, useRequesterNames, type ListFilter, type QueueTab } from './queries';
import { formatAge, timeLeft } from './time';
import { useNow } from './useNow';
import { LoadMore } from '../../components/LoadMore';

const TABS: { id: QueueTab; label: string }[] = [
  { id: 'open', label: 'Open' },
  { id: 'mine', label: 'Awaiting my co-sign' },
  { id: 'all', label: 'All' },
];

const EMPTY: Record<QueueTab, string> = {
  open: 'No open requests. New requests appear here as soon as they are filed.',
  mine: 'Nothing awaits your co-sign. When an approver names you as co-signer, the request appears here.',
  all: 'No requests yet.',
};

function statusesFor(tab: QueueTab): RequestStatus[] {
  return tab === 'open' ? OPEN_STATUSES : tab === 'all' ? ALL_STATUSES : [];
}

function readFilter(params: URLSearchParams): ListFilter {
  const tab = (['open', 'mine', 'all'] as const).find((t) => t === params.get('tab')) ?? 'open';
  const status = statusesFor(tab).find((s) => s === params.get('status')) ?? '';
  return { tab, kind: params.get('kind') ?? '', status };
}

/** How many requests wait for the viewer's co-sign: its own tiny query, so every tab shows the badge. */
function useAwaitingMe() {
  return useQuery({
    queryKey: ['approvals', 'awaiting-me'],
    queryFn: async () => (await api.get<RequestPage>('/api/approvals?awaitingMe=true&limit=1')).awaitingMe,
  });
}

function Requester({ request, names }: { request: ChangeRequest; names: Map<string, string> }) {
  const { me } = useSession();
  const by = request.requestedBy;
  if (by.type === 'system') return <span className="muted-text">The desk</span>;
  if (by.type === 'client') return <span>Client</span>;
  if (by.id && by.id === me?.id) return <span>You</span>;
  return <span>{(by.id && names.get(by.id)) ?? 'An operator'}</span>;
}

/** Issue #4 screen 2: open requests, the viewer's co-signs, everything; live over /api/events. */
export function QueuePage() {
  const [params, setParams] = useSearchParams();
  const filter = readFilter(params);
  const list = useApprovalList(filter);
  const awaitingMe = useAwaitingMe();
  const policies = usePolicies();
  const now = useNow(1000);
  const navigate = useNavigate();
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const names = useRequesterNames(items);
  const filtered = Boolean(filter.kind || filter.status);

  const update = (next: Partial<ListFilter>) => {
    const merged = { ...filter, ...next };
    if (next.tab && !statusesFor(next.tab).includes(merged.status as RequestStatus)) merged.status = '';
    const p = new URLSearchParams();
    if (merged.tab !== 'open') p.set('tab', merged.tab);
    if (merged.kind) p.set('kind', merged.kind);
    if (merged.status) p.set('status', merged.status);
    setParams(p, { replace: true });
  };

  const onTabKey = (e: React.KeyboardEvent, index: number) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = TABS[(index + step + TABS.length) % TABS.length];
    if (next) {
      update({ tab: next.id });
      document.getElementById(`approvals-tab-${next.id}`)?.focus();
    }
  };

  return (
    <section className="approvals-queue" aria-labelledby="approvals-title">
      <h1 id="approvals-title">Approvals</h1>
      <div className="tabs" role="tablist" aria-label="Which requests">
        {TABS.map((t, i) => (
          <button
            key={t.id}
            id={`approvals-tab-${t.id}`}
            type="button"
            role="tab"
            aria-selected={filter.tab === t.id}
            aria-controls="approvals-panel"
            tabIndex={filter.tab === t.id ? 0 : -1}
            onClick={() => update({ tab: t.id })}
            onKeyDown={(e) => onTabKey(e, i)}
          >
            {t.label}
            {t.id === 'mine' && (awaitingMe.data ?? 0) > 0 && (
              <span
                className="badge count"
                data-testid="awaiting-me-count"
                aria-label={`${awaitingMe.data} awaiting`}
              >
                {awaitingMe.data}
              </span>
            )}
          </button>
        ))}
      </div>

      <div id="approvals-panel" role="tabpanel" aria-labelledby={`approvals-tab-${filter.tab}`}>
        <div className="filters">
          <div>
            <label htmlFor="filter-kind">Kind</label>
            <select id="filter-kind" value={filter.kind} onChange={(e) => update({ kind: e.target.value })}>
              <option value="">All kinds</option>
              {(policies.data?.items ?? []).map((p) => (
                <option key={p.kind} value={p.kind}>
                  {kindOption(p.kind)}
                </option>
              ))}
            </select>
          </div>
          {filter.tab !== 'mine' && (
            <div>
              <label htmlFor="filter-status">Status</label>
              <select
                id="filter-status"
                value={filter.status}
                onChange={(e) => update({ status: e.target.value as RequestStatus | '' })}
              >
                <option value="">{filter.tab === 'open' ? 'Any open status' : 'Any status'}</option>
                {statusesFor(filter.tab).map((s) => (
                  <option key={s} value={s}>
                    {STATUS_LABELS[s]}
                  </option>
                ))}
              </select>
            </div>
          )}
          {filtered && (
            <button
              type="button"
              className="link clear-filters"
              onClick={() => update({ kind: '', status: '' })}
            >
              Clear filters
            </button>
          )}
        </div>

        {list.isPending ? (
          <p className="loading" role="status">
            Loading requests…
          </p>
        ) : list.isError ? (
          <div className="form-error" role="alert">
            {errorMessage(list.error)}
          </div>
        ) : items.length === 0 ? (
          <p className="empty" data-testid="queue-empty">
            {filtered ? 'No requests match these filters.' : EMPTY[filter.tab]}
          </p>
        ) : (
          <>
            <table className="queue" data-testid="approvals-table">
              <caption className="sr-only">Change requests, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">Summary</th>
                  <th scope="col">Status</th>
                  <th scope="col">Requested by</th>
                  <th scope="col">Age</th>
                  <th scope="col">Time left</th>
                </tr>
              </thead>
              <tbody>
                {items.map((r) => {
                  const left = timeLeft(r, now);
                  return (
                    <tr
                      key={r.id}
                      className="clickable"
                      data-testid="approval-row"
                      data-request-id={r.id}
                      onClick={() => void navigate(`/approvals/${r.id}`)}
                    >
                      <td className="kind">
                        {kindLabel(r.kind)}
                        <div className="muted-text mono-small">{r.kind}</div>
                      </td>
                      <td className="summary">
                        <Link to={`/approvals/${r.id}`} onClick={(e) => e.stopPropagation()}>
                          {r.summary}
                        </Link>
                      </td>
                      <td>
                        <span className={`status ${r.status}`}>{STATUS_LABELS[r.status]}</span>
                      </td>
                      <td>
                        <Requester request={r} names={names} />
                      </td>
                      <td className="nowrap">{formatAge(r.createdAt, now)}</td>
                      <td className={`nowrap time-left ${left.tone}`} data-testid="time-left">
                        {left.text}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <LoadMore
              list={list}
              shown={items.length}
              one="request"
              many="requests"
              className="queue-footer"
            />
          </>
        )}
      </div>
    </section>
  );
}
