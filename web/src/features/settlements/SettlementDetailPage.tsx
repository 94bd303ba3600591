import { Link, useParams } from 'react-router';
import { ApiError } from '../../api/client';
import { errorMessage } from '../../api/messages';
import { useSession } from '../../app/session';
import { dateTime } from '../../components/format';
import {
  FLAGGED_WORDS,
  networkName,
  REASON_WORDS,
  stepDetails,
  stepTitle,
  usdt,
  type FlaggedEvent,
  type TimelineStep,
} from './model';
import { useClientNames, useSettlement } from './queries';
import { StatusChip } from './SettlementList';

const BAD_STEPS = new Set([
  'attempt_failed',
  'held',
  'failed',
  'cancelled',
  'dismissed',
  'left_chain',
  'deposit_failed',
]);

export function Timeline({ steps }: { steps: TimelineStep[] }) {
  if (steps.length === 0) return <p className="muted-text">No step recorded yet.</p>;
  return (
    <ol className="timeline" data-testid="timeline">
      {steps.map((t, i) => {
        const approvalId = typeof t.detail.approvalId === 'string' ? t.detail.approvalId : null;
        return (
          <li
            key={`${t.at}-${i}`}
            className={`step step-${t.step}${BAD_STEPS.has(t.step) ? ' bad' : ''}`}
            data-step={t.step}
          >
            <div className="step-line">
              <strong>{stepTitle(t.step)}</strong>
              <span className="mono-small muted-text">{t.step}</span>
              <time dateTime={t.at} className="muted-text">
                {dateTime(t.at)}
              </time>
            </div>
            {stepDetails(t.detail).map((d) => (
              <div key={d.key} className="field-hint step-detail">
                {d.key}:{' '}
                {d.key === 'tx' || d.key === 'from' || d.key === 'to' ? <code>{d.value}</code> : d.value}
              </div>
            ))}
            {approvalId && (
              <div className="field-hint">
                <Link to={`/approvals/${approvalId}`}>the approved request</Link>
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}

function Flagged({ events }: { events: FlaggedEvent[] }) {
  return (
    <section className="card" aria-labelledby="flagged-title">
      <h2 id="flagged-title">Flagged events of this trade</h2>
      {events.length === 0 ? (
        <p className="muted-text">This trade was never held back.</p>
      ) : (
        <ul className="flagged-list" data-testid="detail-flagged">
          {events.map((e) => (
            <li key={e.id}>
              <div className="step-line">
                <strong>{REASON_WORDS[e.reason]?.title ?? e.reason}</strong>
                <span className={`status flagged-${e.status}`}>{FLAGGED_WORDS[e.status]}</span>
              </div>
              <div className="field-hint">
                {e.detail} Flagged {dateTime(e.createdAt)}
                {e.resolvedAt && (
                  <>
                    , {e.status} {dateTime(e.resolvedAt)}
                  </>
                )}
                {e.resolvedByRequest && (
                  <>
                    {' · '}
                    <Link to={`/approvals/${e.resolvedByRequest}`}>the request</Link>
                  </>
                )}
              </div>
              {e.resolutionNote && <blockquote className="quoted">{e.resolutionNote}</blockquote>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** One settlement: what it pays, where it is, and every step the worker took. Live over SSE. */
export function SettlementDetailPage() {
  const { id = '' } = useParams();
  const { can } = useSession();
  const detail = useSettlement(id);
  const s = detail.data?.settlement;
  const client = useClientNames([s?.clientId], can('clients:read'));

  if (detail.isLoading)
    return (
      <p className="loading" role="status">
        Loading the settlement…
      </p>
    );
  if (!detail.data || !s) {
    const missing =
      detail.error instanceof ApiError && (detail.error.status === 404 || detail.error.status === 400);
    return (
      <div className="screen">
        <p className="crumbs">
          <Link to="/settlements?tab=settlements">← All settlements</Link>
        </p>
        <p className={missing ? 'empty' : 'form-error'} role="alert">
          {missing ? 'There is no such settlement.' : errorMessage(detail.error)}
        </p>
      </div>
    );
  }
  const { timeline, flagged } = detail.data;
  return (
    <div className="screen settlement-detail">
      <p className="crumbs">
        <Link to="/settlements?tab=settlements">← All settlements</Link>
      </p>
      <div className="page-head">
        <div>
          <h1>
            {s.side === 'sell' ? 'Client sells' : 'Client buys'} {usdt(s.amountUsdt)} USDT on{' '}
            {networkName(s.network)}
          </h1>
          <p className="lede">
            {s.side === 'sell'
              ? 'The client sends USDT to the desk’s hot wallet; the settlement confirms once the deposit has enough confirmations.'
              : 'The desk pays the client’s whitelisted address from its hot wallet.'}
          </p>
        </div>
        <div className="page-head-side" data-testid="settlement-status">
          {s.paper && <span className="badge paper">PAPER</span>}{' '}
          <StatusChip status={s.status} side={s.side} />
        </div>
      </div>
      <div className="columns">
        <div className="column-main">
          <section className="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title">Timeline</h2>
            <Timeline steps={timeline} />
          </section>
          <Flagged events={flagged} />
        </div>
        <div className="column-side">
          <section className="card" aria-labelledby="facts-title">
            <h2 id="facts-title">Settlement</h2>
            <dl className="facts" data-testid="settlement-facts">
              <dt>Status</dt>
              <dd>
                <StatusChip status={s.status} side={s.side} />
              </dd>
              <dt>Amount</dt>
              <dd>{usdt(s.amountUsdt)} USDT</dd>
              <dt>Client</dt>
              <dd>{client(s.clientId)}</dd>
              <dt>{s.side === 'sell' ? 'Client sends from' : 'Paid to'}</dt>
              <dd>
                <code>{s.counterparty}</code>
              </dd>
              <dt>Transaction</dt>
              <dd data-testid="tx-hash">
                {s.txHash ? <code>{s.txHash}</code> : <span className="muted-text">not sent yet</span>}
              </dd>
              <dt>Confirmations</dt>
              <dd data-testid="confirmations">{s.confirmations}</dd>
              <dt>Attempts</dt>
              <dd>
                {s.attempts}
                {s.lastError && <div className="field-error">{s.lastError}</div>}
              </dd>
              <dt>Booked</dt>
              <dd>{dateTime(s.bookedAt)}</dd>
              <dt>Queued</dt>
              <dd>{dateTime(s.createdAt)}</dd>
              <dt>Confirmed</dt>
              <dd>{dateTime(s.confirmedAt)}</dd>
              <dt>Trade</dt>
              <dd>
                <code>{s.tradeId}</code>
              </dd>
              <dt>Wallet</dt>
              <dd>
                <Link to="/wallets">{s.walletId}</Link>
              </dd>
            </dl>
          </section>
        </div>
      </div>
    </div>
  );
}
