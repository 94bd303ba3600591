import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../../api/client';
import { errorMessage } from '../../api/messages';
import type { ChangeRequestDetail, FlagDetail } from '../../api/types';
import { useSession } from '../../app/session';
import { dateTime } from '../../components/format';
import { useOperatorNames } from '../../components/useOperatorNames';
import { AcknowledgeForm, EmergencyDisable, ProposeChange } from './FlagForms';
import { OnOff } from './FlagsPage';
import { requestsFor, useFlag, useOpenFlagRequests, VIA_LABELS } from './queries';
import { flagReason } from './reason';

type Name = (id: string | null | undefined) => string;

function actor(a: { type: string; id: string | null }, name: Name): string {
  if (a.type === 'operator') return name(a.id);
  if (a.type === 'system') return 'the desk';
  if (a.type === 'database') return `database role ${a.id ?? '?'}`;
  return `${a.type}${a.id ? ` ${a.id}` : ''}`;
}

/** The request that made the current state: who asked, why, who approved and co-signed. */
function ApprovingRequest({ id }: { id: string }) {
  const request = useQuery({
    queryKey: ['approval', id],
    queryFn: () => api.get<ChangeRequestDetail>(`/api/approvals/${id}`),
    retry: false,
  });
  const r = request.data;
  return (
    <>
      <dt>Approving request</dt>
      <dd data-testid="approving-request">
        <Link to={`/approvals/${id}`}>{r?.summary ?? `request ${id.slice(0, 8)}`}</Link>
        {r && (
          <div className="field-hint">
            Requested by {r.requestedBy.name ?? 'an operator'}
            {r.primary && <>, approved by {r.primary.name ?? 'an operator'}</>}
            {r.secondary?.at && <>, co-signed by {r.secondary.name ?? 'an operator'}</>}
          </div>
        )}
        {r?.note && (
          <blockquote className="quoted" data-testid="request-note">
            <span className="muted-text">Why: </span>
            {r.note}
          </blockquote>
        )}
        {r?.primary?.reason && (
          <blockquote className="quoted">
            <span className="muted-text">Approval reason: </span>
            {r.primary.reason}
          </blockquote>
        )}
      </dd>
    </>
  );
}

function CurrentState({ flag, name }: { flag: FlagDetail; name: Name }) {
  const latest = flag.history[0];
  return (
    <section className="card" aria-labelledby="state-title">
      <h2 id="state-title">Current state</h2>
      <dl className="facts">
        <dt>State</dt>
        <dd>
          <OnOff enabled={flag.enabled} /> <span className="muted-text">version {flag.version}</span>
        </dd>
        <dt>Since</dt>
        <dd>{dateTime(flag.updatedAt)}</dd>
        <dt>Set by</dt>
        <dd data-testid="set-by">{actor(flag.updatedBy, name)}</dd>
        {latest && (
          <>
            <dt>How</dt>
            <dd>{VIA_LABELS[latest.via] ?? latest.via}</dd>
          </>
        )}
        {flag.requestId ? (
          <ApprovingRequest id={flag.requestId} />
        ) : (
          <>
            <dt>Reason</dt>
            <dd data-testid="flag-reason">
              {flagReason(flag) ?? latest?.reason ?? <span className="muted-text">—</span>}
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

function History({ flag, name }: { flag: FlagDetail; name: Name }) {
  return (
    <section className="card" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {flag.history.length === 0 ? (
        <p className="muted-text">No changes recorded.</p>
      ) : (
        <ol className="history" data-testid="flag-history">
          {flag.history.map((h, i) => (
            <li key={`${h.at}-${i}`}>
              <div className="history-line">
                <time dateTime={h.at} className="muted-text">
                  {dateTime(h.at)}
                </time>
                <span>
                  {h.previous === null ? 'Set' : 'Turned'} <OnOff enabled={h.enabled} />
                </span>
                <span className={`via via-${h.via}`}>{VIA_LABELS[h.via] ?? h.via}</span>
              </div>
              <div className="field-hint">
                by {actor(h.actor, name)}
                {h.requestId && (
                  <>
                    {' · '}
                    <Link to={`/approvals/${h.requestId}`}>the request</Link>
                  </>
                )}
              </div>
              {h.reason && h.reason !== `approved change request ${h.requestId}` && (
                <blockquote className="quoted">{h.reason}</blockquote>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function Reviews({ flag, name }: { flag: FlagDetail; name: Name }) {
  const { me, can } = useSession();
  if (flag.reviews.length === 0) return null;
  return (
    <section className="card" aria-labelledby="reviews-title" data-testid="reviews">
      <h2 id="reviews-title">Reviews of emergency stops</h2>
      <ul className="reviews">
        {flag.reviews.map((v) => (
          <li key={v.id} className={`review ${v.status}`} data-testid={`review-${v.status}`}>
            <div className="review-head">
              <span className={`status ${v.status === 'open' ? 'pending' : 'approved'}`}>
                {v.status === 'open' ? 'Awaiting review' : 'Acknowledged'}
              </span>
              <span className="muted-text">
                stopped by {name(v.openedBy)}, {dateTime(v.createdAt)}
              </span>
            </div>
            <blockquote className="quoted">{v.reason}</blockquote>
            {v.status === 'acknowledged' && (
              <p className="field-hint">
                Acknowledged by {name(v.acknowledgedBy)}, {dateTime(v.acknowledgedAt)}
                {v.comment && <>: “{v.comment}”</>}
              </p>
            )}
            {v.status === 'open' &&
              (!can('flags:review') ? (
                <p className="field-hint">
                  A risk officer other than the one who stopped it must acknowledge this review.
                </p>
              ) : v.openedBy === me?.id ? (
                <p className="field-hint">You made this stop, so another risk officer must acknowledge it.</p>
              ) : (
                <AcknowledgeForm review={v} flagKey={flag.key} />
              ))}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** One flag: state, who/why/when, the approving request, history, and what one may do about it. */
export function FlagDetailPage() {
  const { key = '' } = useParams();
  const { can } = useSession();
  const flag = useFlag(key);
  const open = useOpenFlagRequests(can('approvals:read'));
  const f = flag.data;
  const name = useOperatorNames(
    f
      ? [
          f.updatedBy.id,
          ...f.history.map((h) => h.actor.id),
          ...f.reviews.flatMap((v) => [v.openedBy, v.acknowledgedBy]),
        ]
      : [],
    f
      ? [
          [f.updatedBy.id, f.updatedBy.name] as const,
          ...f.history.map((h) => [h.actor.id, h.actor.name] as const),
          ...f.reviews.flatMap((v) => [
            [v.openedBy, v.openedByName] as const,
            [v.acknowledgedBy, v.acknowledgedByName] as const,
          ]),
        ]
      : [],
  );

  if (flag.isLoading)
    return (
      <p className="loading" role="status">
        Loading {key}…
      </p>
    );
  if (!f) {
    const missing = flag.error instanceof ApiError && flag.error.status === 404;
    return (
      <div className="screen">
        <p className="crumbs">
          <Link to="/flags">← All flags</Link>
        </p>
        <p className={missing ? 'empty' : 'form-error'} role="alert">
          {missing ? `There is no flag ${key}.` : errorMessage(flag.error)}
        </p>
      </div>
    );
  }
  const openReviews = f.reviews.filter((v) => v.status === 'open').length;
  return (
    <div className="screen flag-detail">
      <p className="crumbs">
        <Link to="/flags">← All flags</Link>
      </p>
      <div className="page-head">
        <div>
          <h1>{f.key}</h1>
          <p className="lede">{f.description}</p>
        </div>
        <div className="page-head-side" data-testid="flag-state">
          <OnOff enabled={f.enabled} big />
        </div>
      </div>
      {openReviews > 0 && (
        <p className="warn-box" role="status">
          {openReviews === 1 ? 'An emergency stop is' : `${openReviews} emergency stops are`} awaiting review
          by a risk officer. <a href="#reviews-title">Go to the review</a>
        </p>
      )}
      <div className="columns">
        <div className="column-main">
          <CurrentState flag={f} name={name} />
          <History flag={f} name={name} />
        </div>
        <div className="column-side">
          <Reviews flag={f} name={name} />
          {f.key === 'AUTO_SETTLEMENT' && can('flags:emergency') && <EmergencyDisable flag={f} />}
          {can('approvals:request') && (
            <ProposeChange flag={f} openRequests={requestsFor(f.key, open.data)} />
          )}
        </div>
      </div>
    </div>
  );
}
