import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { errorMessage } from '../../api/messages';
import { useSession } from '../../app/session';
import { FieldError, FieldHint } from '../../components/FormError';
import { dateTime } from '../../components/format';
import { useOperatorList, useOperatorNames } from '../../components/useOperatorNames';
import { AuditTabs } from './AuditTabs';
import {
  dataSummary,
  EMPTY_FILTER,
  entityLink,
  exportPath,
  filterFromParams,
  filterParams,
  filterProblem,
  fromLocalInput,
  KNOWN_ACTIONS,
  KNOWN_ENTITIES,
  searchPath,
  toLocalInput,
  type AuditFilter,
} from './model';

export interface AuditEvent {
  id: string;
  occurredAt: string;
  actorType: string;
  actorId: string | null;
  action: string;
  entityType: string | null;
  entityId: string | null;
  requestId: string | null;
  ip: string | null;
  data: unknown;
  chain: { seq: string; hash: string } | null;
}

const PAGE = 50;

/** The form edits a draft; "Search" puts it in the URL, which is what the list and the exports use. */
function FilterForm({ applied, onApply }: { applied: AuditFilter; onApply: (f: AuditFilter) => void }) {
  const { can } = useSession();
  const [draft, setDraft] = useState(() => ({
    ...applied,
    from: toLocalInput(applied.from),
    to: toLocalInput(applied.to),
  }));
  const [problem, setProblem] = useState<string | undefined>();
  const toRef = useRef<HTMLInputElement>(null);
  const operators = useOperatorList(can('operators:read'));
  const set = (k: keyof AuditFilter) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setDraft({ ...draft, [k]: e.target.value });

  useEffect(() => {
    setDraft({ ...applied, from: toLocalInput(applied.from), to: toLocalInput(applied.to) });
  }, [applied.from, applied.to, applied.actor, applied.action, applied.entity]); // the URL changed (back/forward)

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const next = { ...draft, from: fromLocalInput(draft.from), to: fromLocalInput(draft.to) };
    const p = filterProblem(next);
    setProblem(p?.message);
    if (p) {
      toRef.current?.focus();
      return;
    }
    onApply(next);
  };

  // An id picked from the list reads as a name too, so the operator sees whom they are searching for.
  const actorName = operators.data?.operators.find((o) => `operator:${o.id}` === draft.actor.trim())?.name;
  return (
    <form className="filters" onSubmit={submit} aria-label="Filter the audit trail" noValidate>
      <div>
        <label htmlFor="audit-from">From</label>
        <input id="audit-from" type="datetime-local" value={draft.from} onChange={set('from')} />
      </div>
      <div>
        <label htmlFor="audit-to">To (before)</label>
        <input
          ref={toRef}
          id="audit-to"
          type="datetime-local"
          value={draft.to}
          onChange={set('to')}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? 'audit-to-error' : undefined}
        />
        <FieldError id="audit-to-error" message={problem} />
      </div>
      <div>
        <label htmlFor="audit-actor">Actor</label>
        <input
          id="audit-actor"
          list="audit-actors"
          value={draft.actor}
          onChange={set('actor')}
          aria-describedby="audit-actor-hint"
          placeholder="anyone"
        />
        <datalist id="audit-actors">
          {operators.data?.operators.map((o) => (
            <option key={o.id} value={`operator:${o.id}`}>
              {o.name}
            </option>
          ))}
          <option value="system">the desk</option>
        </datalist>
        <FieldHint id="audit-actor-hint">
          {actorName ? `Operator: ${actorName}` : 'An operator id, or type:id'}
        </FieldHint>
      </div>
      <div>
        <label htmlFor="audit-action">Action</label>
        <input
          id="audit-action"
          list="audit-actions"
          value={draft.action}
          onChange={set('action')}
          placeholder="any action"
        />
        <datalist id="audit-actions">
          {KNOWN_ACTIONS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
      </div>
      <div>
        <label htmlFor="audit-entity">Entity</label>
        <input
          id="audit-entity"
          list="audit-entities"
          value={draft.entity}
          onChange={set('entity')}
          aria-describedby="audit-entity-hint"
          placeholder="anything"
        />
        <datalist id="audit-entities">
          {KNOWN_ENTITIES.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <FieldHint id="audit-entity-hint">A type, or type:id</FieldHint>
      </div>
      <div className="filter-actions">
        <div>
          <button type="submit">Search</button>{' '}
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setProblem(undefined);
              onApply(EMPTY_FILTER);
            }}
          >
            Clear
          </button>
        </div>
        {can('audit:export') && (
          <div className="exports" aria-label="Export the events matching the applied filter">
            <span className="muted-text">Export what matches:</span>
            <a
              className="button secondary"
              href={exportPath(applied, 'csv')}
              download
              data-testid="export-csv"
            >
              CSV
            </a>
            <a
              className="button secondary"
              href={exportPath(applied, 'jsonl')}
              download
              data-testid="export-jsonl"
            >
              JSONL
            </a>
          </div>
        )}
      </div>
    </form>
  );
}

function EventRow({ e, name }: { e: AuditEvent; name: (id: string | null) => string }) {
  const link = entityLink(e.entityType, e.entityId);
  const who =
    e.actorType === 'operator'
      ? name(e.actorId)
      : e.actorType === 'system'
        ? `the desk${e.actorId ? ` (${e.actorId})` : ''}`
        : `${e.actorType}${e.actorId ? ` ${e.actorId}` : ''}`;
  const summary = dataSummary(e.data);
  return (
    <tr>
      <td className="nowrap">
        <time dateTime={e.occurredAt}>{dateTime(e.occurredAt)}</time>
      </td>
      <td>
        {who}
        {e.ip && <div className="field-hint">{e.ip}</div>}
      </td>
      <td>
        <code>{e.action}</code>
      </td>
      <td>
        {e.entityType ? (
          <>
            <span>{e.entityType}</span>
            {e.entityId && (
              <div className="field-hint">
                {link ? (
                  <Link to={link}>{e.entityId.length > 20 ? `${e.entityId.slice(0, 8)}…` : e.entityId}</Link>
                ) : (
                  <code>{e.entityId.length > 20 ? `${e.entityId.slice(0, 8)}…` : e.entityId}</code>
                )}
              </div>
            )}
          </>
        ) : (
          <span className="muted-text">—</span>
        )}
      </td>
      <td className="data">
        {summary ? (
          <details>
            <summary>
              <code>{summary}</code>
            </summary>
            <pre>{JSON.stringify(e.data, null, 2)}</pre>
          </details>
        ) : (
          <span className="muted-text">—</span>
        )}
      </td>
      <td className="nowrap">
        {e.chain ? (
          <span className="sealed" title={`hash ${e.chain.hash}`}>
            sealed #{e.chain.seq}
          </span>
        ) : (
          <span className="unsealed">not yet sealed</span>
        )}
      </td>
    </tr>
  );
}

/** Search the audit trail by time, actor, action and entity, newest first, page by page; export what matches. */
export function AuditPage() {
  const [params, setParams] = useSearchParams();
  const applied = filterFromParams(params);
  const events = useInfiniteQuery({
    queryKey: ['audit', 'search', applied],
    queryFn: ({ pageParam }) =>
      api.get<{ events: AuditEvent[]; nextCursor: string | null }>(searchPath(applied, pageParam, PAGE)),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const rows = events.data?.pages.flatMap((p) => p.events) ?? [];
  const name = useOperatorNames(rows.map((e) => (e.actorType === 'operator' ? e.actorId : null)));
  const filtered = Object.keys(filterParams(applied)).length > 0;

  return (
    <div className="screen audit-page">
      <h1>Audit trail</h1>
      <AuditTabs />
      <FilterForm applied={applied} onApply={(f) => setParams(filterParams(f))} />
      <h2 className="sr-only">Events</h2>
      {events.isLoading && (
        <p className="loading" role="status">
          Searching the audit trail…
        </p>
      )}
      {events.isError && (
        <p className="form-error" role="alert">
          {errorMessage(events.error)}
        </p>
      )}
      {events.data && rows.length === 0 && (
        <p className="empty">
          {filtered
            ? 'No event matches this filter. Widen the time range or clear a field.'
            : 'The audit trail is empty.'}
        </p>
      )}
      {rows.length > 0 && (
        <>
          <table className="data events" data-testid="audit-events">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Entity</th>
                <th scope="col">Details</th>
                <th scope="col">Chain</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <EventRow key={e.id} e={e} name={name} />
              ))}
            </tbody>
          </table>
          <div className="table-footer">
            <span className="muted-text" role="status">
              {rows.length} event{rows.length === 1 ? '' : 's'} shown, newest first
              {events.hasNextPage ? '' : ' — that is all'}
            </span>
            {events.hasNextPage && (
              <button
                type="button"
                className="secondary"
                onClick={() => void events.fetchNextPage()}
                disabled={events.isFetchingNextPage}
              >
                {events.isFetchingNextPage ? 'Loading…' : `Load ${PAGE} older events`}
              </button>
            )}
          </div>
        </>
      )}
    </div>
  );
}
