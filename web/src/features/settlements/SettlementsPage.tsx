import { useSearchParams } from 'react-router';
import { errorMessage } from '../../api/messages';
import { duration } from '../../components/format';
import { pickOne } from '../../components/urlFilter';
import { useNow } from '../approvals/useNow';
import { FlaggedSection } from './FlaggedSection';
import {
  FLAG_REASONS,
  FLAGGED_STATUSES,
  NETWORKS,
  REASON_WORDS,
  SETTLEMENT_STATUSES,
  STATUS_WORDS,
  type FlaggedStatus,
  type FlagReason,
  type Network,
  type SettlementStatus,
  type Summary,
} from './model';
import { useSummary, type FlaggedFilter, type ListFilter } from './queries';
import { SettlementList } from './SettlementList';

type Tab = 'flagged' | 'settlements';

/** The URL holds the tab and filters, so a link or a reload shows the same view. */
function readParams(p: URLSearchParams) {
  const tab: Tab = p.get('tab') === 'settlements' ? 'settlements' : 'flagged';
  const list: ListFilter = {
    status: pickOne<SettlementStatus>(SETTLEMENT_STATUSES, p.get('status')),
    network: pickOne<Network>(NETWORKS, p.get('network')),
  };
  const fstatus = p.get('fstatus');
  // Open events are what needs someone: shown unless the operator asks for another status (`any`).
  const flagged: FlaggedFilter = {
    status: fstatus === 'any' ? '' : pickOne<FlaggedStatus>(FLAGGED_STATUSES, fstatus) || 'open',
    reason: pickOne<FlagReason>(FLAG_REASONS, p.get('reason')),
  };
  return { tab, list, flagged };
}

function Tiles({
  summary,
  fetchedAt,
  onStatus,
  onReason,
}: {
  summary: Summary;
  fetchedAt: number;
  onStatus: (s: SettlementStatus) => void;
  onReason: (r: FlagReason) => void;
}) {
  const reasons = FLAG_REASONS.filter((r) => (summary.openFlaggedByReason[r] ?? 0) > 0);
  const now = useNow(1000);
  // The desk's age at fetch time, then counted on here: no clock skew between browser and desk.
  const oldest =
    summary.oldestQueuedSeconds === null
      ? null
      : summary.oldestQueuedSeconds + Math.max(0, Math.floor((now - fetchedAt) / 1000));
  return (
    <div className="tiles" data-testid="summary">
      <section className="tile-group" aria-labelledby="queue-depth-title">
        <h2 id="queue-depth-title">Queue by status</h2>
        <div className="tile-row">
          {SETTLEMENT_STATUSES.map((s) => (
            <button
              key={s}
              type="button"
              className={`tile status-tile settlement-${s}`}
              data-testid={`tile-${s}`}
              onClick={() => onStatus(s)}
              aria-label={`${summary.byStatus[s] ?? 0} ${STATUS_WORDS[s]}: show them`}
            >
              <span className="n">{summary.byStatus[s] ?? 0}</span>
              <span className="l">{STATUS_WORDS[s]}</span>
            </button>
          ))}
          <div className={`tile ${oldest !== null && oldest > 300 ? 'warn' : ''}`} data-testid="tile-oldest">
            <span className="n">{oldest === null ? '—' : duration(oldest * 1000)}</span>
            <span className="l">{oldest === null ? 'nothing queued' : 'oldest queued'}</span>
          </div>
        </div>
      </section>
      <section className="tile-group" aria-labelledby="open-flagged-title">
        <h2 id="open-flagged-title">Open flagged ({summary.openFlagged})</h2>
        <div className="tile-row">
          {reasons.length === 0 ? (
            <div className="tile ok">
              <span className="n">0</span>
              <span className="l">nothing held back</span>
            </div>
          ) : (
            reasons.map((r) => (
              <button
                key={r}
                type="button"
                className="tile flag-tile"
                data-testid={`tile-${r}`}
                onClick={() => onReason(r)}
                title={REASON_WORDS[r].short}
              >
                <span className="n">{summary.openFlaggedByReason[r]}</span>
                <span className="l">{REASON_WORDS[r].title}</span>
              </button>
            ))
          )}
        </div>
      </section>
    </div>
  );
}

/** Settlements: the queue at a glance, held-back fills to requeue or dismiss, every settlement. Live over SSE. */
export function SettlementsPage() {
  const [params, setParams] = useSearchParams();
  const { tab, list, flagged } = readParams(params);
  const summary = useSummary();

  const update = (next: { tab?: Tab; list?: Partial<ListFilter>; flagged?: Partial<FlaggedFilter> }) => {
    const t = next.tab ?? tab;
    const l = { ...list, ...next.list };
    const f = { ...flagged, ...next.flagged };
    const p = new URLSearchParams();
    if (t !== 'flagged') p.set('tab', t);
    if (l.status) p.set('status', l.status);
    if (l.network) p.set('network', l.network);
    if (f.status !== 'open') p.set('fstatus', f.status || 'any');
    if (f.reason) p.set('reason', f.reason);
    setParams(p, { replace: true });
  };

  const open = summary.data?.openFlagged ?? 0;
  const tabs: { id: Tab; label: React.ReactNode }[] = [
    {
      id: 'flagged',
      label: (
        <>
          Flagged
          {open > 0 && (
            <span className="badge count" aria-label={`${open} open`}>
              {open}
            </span>
          )}
        </>
      ),
    },
    { id: 'settlements', label: 'All settlements' },
  ];

  return (
    <div className="screen settlements-page">
      <div className="page-head">
        <div>
          <h1>Settlements</h1>
          <p className="lede">
            Booked trades are paid (or received) here. A fill held back is flagged with its reason; requeueing
            or dismissing it is a request that two people approve.
          </p>
        </div>
        {summary.data?.paper && (
          <span
            className="badge paper big"
            title="Settlements run on the simulated paper chain: no real USDT moves."
          >
            PAPER
          </span>
        )}
      </div>
      {summary.isError && (
        <p className="form-error" role="alert">
          {errorMessage(summary.error)}
        </p>
      )}
      {summary.data && (
        <Tiles
          summary={summary.data}
          fetchedAt={summary.dataUpdatedAt}
          onStatus={(s) => update({ tab: 'settlements', list: { status: s } })}
          onReason={(r) => update({ tab: 'flagged', flagged: { reason: r, status: 'open' } })}
        />
      )}

      <div className="tabs" role="tablist" aria-label="Which settlements">
        {tabs.map((t) => (
          <button
            key={t.id}
            id={`settlements-tab-${t.id}`}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            aria-controls="settlements-panel"
            onClick={() => update({ tab: t.id })}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div id="settlements-panel" role="tabpanel" aria-labelledby={`settlements-tab-${tab}`}>
        {tab === 'flagged' ? (
          <FlaggedSection filter={flagged} onFilter={(f) => update({ flagged: f })} summary={summary.data} />
        ) : (
          <SettlementList filter={list} onFilter={(f) => update({ list: f })} />
        )}
      </div>
    </div>
  );
}
