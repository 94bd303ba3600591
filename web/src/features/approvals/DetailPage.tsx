import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../../api/client';
import { errorMessage } from '../../api/messages';
import {
  ROLE_LABELS,
  type ChangeRequestDetail,
  type HistoryEntry,
  type RequestStatus,
} from '../../api/types';
import { dateTime, duration, STATUS_LABELS, value } from '../../components/format';
import { useSession } from '../../app/session';
import { ApproveForm } from './ApproveForm';
import { kindLabel, rolesText, visibleActions } from './model';
import { CancelForm, CosignForm, RejectForm } from './OtherForms';
import { useApproval } from './queries';
import { closesForm, questionsIdentity } from './refusals';
import { timeLeft } from './time';
import type { Decision } from './useDecision';
import { useNow } from './useNow';
import { RequestTargets } from '../settlements/RequestTargets';

const HISTORY_LABELS: Record<string, string> = {
  filed: 'Filed',
  approved: 'Approved by the primary approver',
  cosigned: 'Co-signed: the change was applied',
  rejected: 'Rejected',
  cancelled: 'Cancelled by the requester',
  expired: 'Expired',
  failed: 'Co-signed, but the change could not be applied',
};

const OPS: Record<string, string> = { gt: '>', gte: '≥', lt: '<', lte: '≤', eq: '=' };

function actorName(h: HistoryEntry): string {
  if (h.actor.type === 'system') return 'The desk';
  if (h.actor.type === 'client') return 'The client';
  return h.actor.name ?? 'An operator';
}

function History({ request }: { request: ChangeRequestDetail }) {
  if (!request.history.length) return <p className="muted-text">No events yet.</p>;
  return (
    <ol className="history" data-testid="history">
      {request.history.map((h, i) => {
        const named =
          h.data && typeof h.data === 'object' && 'secondaryApproverId' in h.data
            ? String((h.data as Record<string, unknown>).secondaryApproverId)
            : null;
        return (
          <li key={`${h.at}-${i}`}>
            <time dateTime={h.at} className="muted-text">
              {dateTime(h.at)}
            </time>{' '}
            <strong>{HISTORY_LABELS[h.action] ?? h.action}</strong> by {actorName(h)}
            {named && (
              <>
                {' '}
                — named{' '}
                {named === request.secondary?.id
                  ? (request.secondary.name ?? 'a co-signer')
                  : 'a co-signer'}{' '}
                to co-sign
              </>
            )}
            {h.reason && <blockquote className="history-reason">{h.reason}</blockquote>}
          </li>
        );
      })}
    </ol>
  );
}

function WhatChanges({ request }: { request: ChangeRequestDetail }) {
  return (
    <section className="card" aria-labelledby="changes-title">
      <h2 id="changes-title">What changes</h2>
      <p className="muted-text">
        {request.entity.type} <code>{request.entity.id}</code>
        {request.entity.version !== null && <> · version {request.entity.version} when filed</>}
      </p>
      {request.diff.length ? (
        <table className="diff" data-testid="diff">
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {request.diff.map((d) => (
              <tr key={d.field}>
                <th scope="row">{d.field}</th>
                <td className="before">{value(d.before)}</td>
                <td className="after">{value(d.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted-text">
          This request changes nothing visible (the before and after are the same).
        </p>
      )}
      <h3>Digest</h3>
      <code className="digest" data-testid="digest">
        {request.digest}
      </code>
      <p className="field-hint">
        SHA-256 of the kind and the exact payload: what you approve is exactly what is applied.
      </p>
      <details className="payload">
        <summary>Payload as filed</summary>
        <pre>{JSON.stringify(request.payload, null, 2)}</pre>
      </details>
    </section>
  );
}

function RequesterCard({ request, now }: { request: ChangeRequestDetail; now: number }) {
  const by = request.requestedBy;
  const left = timeLeft(request, now);
  return (
    <section className="card" aria-labelledby="requester-title">
      <h2 id="requester-title">Who asked, and when</h2>
      <dl className="facts">
        <dt>Requested by</dt>
        <dd data-testid="requester">
          {by.type === 'system'
            ? 'The desk'
            : (by.name ?? (by.type === 'client' ? 'A client' : 'An operator'))}
        </dd>
        <dt>Requester type</dt>
        <dd>{by.type}</dd>
        {by.email && (
          <>
            <dt>Their email</dt>
            <dd data-testid="requester-email">
              <a href={`mailto:${by.email}`}>{by.email}</a>
            </dd>
          </>
        )}
        {by.roles && (
          <>
            <dt>Their roles</dt>
            <dd data-testid="requester-roles">
              {by.roles.length === 0 ? (
                <span className="muted-text">No role</span>
              ) : (
                <ul className="role-badges" aria-label="Requester's roles">
                  {by.roles.map((r) => (
                    <li key={r} className="badge muted">
                      {(ROLE_LABELS as Record<string, string | undefined>)[r] ?? r}
                    </li>
                  ))}
                </ul>
              )}
            </dd>
          </>
        )}
        <dt>Their note</dt>
        <dd>
          {request.note ? (
            <q className="note">{request.note}</q>
          ) : (
            <span className="muted-text">No note</span>
          )}
        </dd>
        <dt>Status</dt>
        <dd>
          <span className={`status ${request.status}`} data-testid="request-status">
            {STATUS_LABELS[request.status]}
          </span>
        </dd>
        <dt>Filed</dt>
        <dd>{dateTime(request.createdAt)}</dd>
        <dt>Expires</dt>
        <dd>{dateTime(request.expiresAt)}</dd>
        <dt>Time left</dt>
        <dd className={`time-left ${left.tone}`} data-testid="detail-time-left">
          {left.text}
        </dd>
        {request.decidedAt && (
          <>
            <dt>Decided</dt>
            <dd>{dateTime(request.decidedAt)}</dd>
          </>
        )}
      </dl>
    </section>
  );
}

function PolicyCard({ request }: { request: ChangeRequestDetail }) {
  const p = request.policy;
  return (
    <section className="card" aria-labelledby="policy-title">
      <h2 id="policy-title">Policy in force</h2>
      <p className="field-hint">
        As it stood when the request was filed; later policy changes do not apply to it.
      </p>
      <dl className="facts">
        <dt>Approves (primary)</dt>
        <dd>{rolesText(p.primaryRoles)}</dd>
        <dt>Co-signs (secondary)</dt>
        <dd>{rolesText(request.coSignerRoles)}</dd>
        <dt>Time to decide</dt>
        <dd>{duration(p.ttlSeconds * 1000)}</dd>
        <dt>Tiers</dt>
        <dd>
          {p.tiers.length === 0 ? (
            <span className="muted-text">None</span>
          ) : (
            <ul className="tiers">
              {p.tiers.map((t) => (
                <li key={t.name} className={t.name === request.matchedTier ? 'applies' : undefined}>
                  <strong>{t.name}</strong>: when <code>{t.when.path}</code> {OPS[t.when.op] ?? t.when.op}{' '}
                  {t.when.value}, co-signed by {rolesText(t.secondaryRoles)}
                  {t.name === request.matchedTier && <span className="badge muted">applies here</span>}
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
    </section>
  );
}

function DecisionsSoFar({ request }: { request: ChangeRequestDetail }) {
  const { primary, secondary, rejection } = request;
  if (!primary && !rejection && !request.failureReason) return null;
  return (
    <section className="card" aria-labelledby="decisions-title">
      <h2 id="decisions-title">Decisions so far</h2>
      <dl className="facts">
        {primary && (
          <>
            <dt>Approved by</dt>
            <dd>
              {primary.name ?? 'An operator'}{' '}
              <span className="muted-text">
                ({rolesText(primary.roles)}, {dateTime(primary.at)})
              </span>
              {primary.reason && <blockquote className="history-reason">{primary.reason}</blockquote>}
            </dd>
          </>
        )}
        {secondary && (
          <>
            <dt>{secondary.at ? 'Co-signed by' : 'Named to co-sign'}</dt>
            <dd data-testid="named-secondary">
              {secondary.name ?? 'An operator'}{' '}
              <span className="muted-text">
                ({rolesText(secondary.roles)}
                {secondary.at ? `, ${dateTime(secondary.at)}` : ''})
              </span>
              {secondary.reason && <blockquote className="history-reason">{secondary.reason}</blockquote>}
            </dd>
          </>
        )}
        {rejection && (
          <>
            <dt>Rejected by</dt>
            <dd>
              {rejection.name ?? 'An operator'}
              {rejection.reason && <blockquote className="history-reason">{rejection.reason}</blockquote>}
            </dd>
          </>
        )}
        {request.failureReason && (
          <>
            <dt>Not applied</dt>
            <dd className="danger-text">{request.failureReason}</dd>
          </>
        )}
      </dl>
    </section>
  );
}

function Decide({ request, now }: { request: ChangeRequestDetail; now: number }) {
  const { me } = useSession();
  // A form whose submit was refused stays on screen with the refusal and what the operator typed,
  // even once the refreshed request (or viewer) no longer offers it; it is then closed to submits.
  const [held, setHeld] = useState<Decision[]>([]);
  const [notice, setNotice] = useState<{ tone: 'ok' | 'info'; text: string } | null>(null);
  // The status our own decision produced: reaching it is not news; any other change while the page is open is.
  const expected = useRef<RequestStatus | null>(null);
  const lastStatus = useRef(request.status);

  useEffect(() => {
    if (lastStatus.current === request.status) return;
    lastStatus.current = request.status;
    if (request.status !== expected.current && held.length === 0)
      setNotice({
        tone: 'info',
        text: `This request changed while you were viewing it: it is now ${STATUS_LABELS[request.status]?.toLowerCase()}.`,
      });
  }, [request.status, held.length]);

  if (!me) return null;
  const actions = visibleActions(request, me);
  const show = (d: Decision) => actions[d] || held.includes(d);
  const props = (d: Decision) => ({
    request,
    closed: !actions[d],
    onDone: (text: string, status: RequestStatus) => {
      expected.current = status;
      setNotice({ tone: 'ok', text });
    },
    onRefused: (err: unknown) => {
      if (closesForm(err) || questionsIdentity(err)) setHeld((h) => (h.includes(d) ? h : [...h, d]));
    },
  });
  const anyForm = (['approve', 'cosign', 'reject', 'cancel'] as const).some(show);
  const timeUp = timeLeft(request, now).tone === 'expired';

  return (
    <section className="card decide" aria-labelledby="decide-title">
      <h2 id="decide-title">Your decision</h2>
      {notice && (
        <p
          className={notice.tone === 'ok' ? 'notice' : 'info-notice'}
          role="status"
          data-testid="decision-notice"
        >
          {notice.text}
        </p>
      )}
      {actions.notice && (
        <p className="info-notice" data-testid="viewer-notice">
          {actions.notice}
        </p>
      )}
      {timeUp && anyForm && (
        <p className="warn-notice">
          The time to decide is up: the desk will refuse decisions on this request.
        </p>
      )}
      {!anyForm && !actions.notice && (
        <p className="muted-text" data-testid="no-decision">
          {request.status === 'pending' || request.status === 'awaiting_secondary'
            ? 'There is nothing for you to decide here.'
            : `This request is ${STATUS_LABELS[request.status]?.toLowerCase()}: no decision can be taken any more.`}
        </p>
      )}
      {show('cosign') && <CosignForm {...props('cosign')} />}
      {show('approve') && <ApproveForm {...props('approve')} />}
      {show('reject') && <RejectForm {...props('reject')} />}
      {show('cancel') && <CancelForm {...props('cancel')} />}
    </section>
  );
}

/** Issue #4 screen 3: everything needed to decide one request, and the forms the viewer may use. */
export function DetailPage() {
  const { id = '' } = useParams();
  const query = useApproval(id);
  const now = useNow(1000);

  if (query.isPending) {
    return (
      <p className="loading" role="status">
        Loading the request…
      </p>
    );
  }
  if (query.isError) {
    const missing =
      query.error instanceof ApiError && (query.error.status === 404 || query.error.status === 400);
    return (
      <section>
        <p className="crumbs">
          <Link to="/approvals">← Approvals</Link>
        </p>
        <div className="form-error" role="alert">
          {missing ? 'There is no change request with this id.' : errorMessage(query.error)}
        </div>
      </section>
    );
  }
  const request = query.data;
  const left = timeLeft(request, now);
  return (
    <article className="approval-detail" aria-labelledby="request-title">
      <p className="crumbs">
        <Link to="/approvals">← Approvals</Link>
      </p>
      <header className="request-head">
        <div>
          <div className="muted-text">
            {kindLabel(request.kind)} · <code>{request.kind}</code>
          </div>
          <h1 id="request-title">{request.summary}</h1>
        </div>
        <div className="request-head-status">
          <span className={`status ${request.status}`}>{STATUS_LABELS[request.status]}</span>
          {left.tone !== 'closed' && (
            <span className={`time-left ${left.tone}`}>
              {left.tone === 'expired' ? 'time is up' : `${left.text} left`}
            </span>
          )}
        </div>
      </header>
      {request.undecidableReason && (
        <p className="notice warning" role="alert" data-testid="undecidable">
          <strong>This request cannot be decided yet.</strong> {request.undecidableReason} Missing role:{' '}
          {request.missingRoles?.map((r) => ROLE_LABELS[r]).join(' or ')} (
          <Link to="/operators">Operators</Link>).
        </p>
      )}
      <div className="detail-columns">
        <div className="detail-main">
          <RequesterCard request={request} now={now} />
          <WhatChanges request={request} />
          {request.kind.startsWith('settlement.') && <RequestTargets request={request} />}
          <PolicyCard request={request} />
          <DecisionsSoFar request={request} />
          <section className="card" aria-labelledby="history-title">
            <h2 id="history-title">History</h2>
            <History request={request} />
          </section>
        </div>
        <aside className="detail-side">
          <Decide key={request.id} request={request} now={now} />
        </aside>
      </div>
    </article>
  );
}
