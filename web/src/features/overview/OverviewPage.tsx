import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { errorMessage } from '../../api/messages';
import type { Flag } from '../../api/types';
import { useSession } from '../../app/session';
import { Chart } from '../../components/Chart';
import { dateTime, duration } from '../../components/format';
import { useAlerts } from '../alerts/queries';
import { useNow } from '../approvals/useNow';
import { networkName, SETTLEMENT_STATUSES, STATUS_WORDS, usdt } from '../settlements/model';
import { useSummary } from '../settlements/queries';
import { useReconciliations, useWallets } from '../wallets/queries';
import {
  useApprovalsOverview,
  useSettlementOverview,
  useTradesOverview,
  WINDOW_WORDS,
  WINDOWS,
  type Window,
} from './queries';

const count = (v: number) => String(Math.round(v));
const seconds = (v: number) =>
  v >= 120 ? `${Math.round(v / 60)} min` : v >= 10 ? `${Math.round(v)} s` : `${Number(v.toFixed(1))} s`;
const compact = (v: number) =>
  v >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(v >= 1e4 ? 0 : 1)}k` : count(v);

function Tile(props: { n: React.ReactNode; label: string; to?: string; warn?: boolean; testId?: string }) {
  const body = (
    <>
      <span className="n">{props.n}</span>
      <span className="l">{props.label}</span>
    </>
  );
  const cls = `tile${props.warn ? ' warn' : ''}`;
  return props.to ? (
    <Link to={props.to} className={cls} data-testid={props.testId}>
      {body}
    </Link>
  ) : (
    <div className={cls} data-testid={props.testId}>
      {body}
    </div>
  );
}

function Numbers({ w }: { w: Window }) {
  const { can } = useSession();
  const now = useNow(1000);
  const approvals = useApprovalsOverview(w);
  const summary = useSummary();
  const alerts = useAlerts();
  const flags = useQuery({ queryKey: ['flags'], queryFn: () => api.get<{ items: Flag[] }>('/api/flags') });
  const wallets = useWallets();
  const recon = useReconciliations();
  const auto = flags.data?.items.find((f) => f.key === 'AUTO_SETTLEMENT');
  const a = approvals.data;
  const s = summary.data;
  const hot = (wallets.data?.items ?? []).filter((x) => x.role === 'hot' && x.active);
  const last = recon.data?.latest?.run;
  return (
    <div className="overview-tiles" data-testid="overview-numbers">
      <section aria-labelledby="o-approvals">
        <h2 id="o-approvals">Approvals</h2>
        <div className="tile-row">
          <Tile
            n={a?.waiting ?? '…'}
            label="waiting"
            to="/approvals"
            testId="o-waiting"
            warn={(a?.waiting ?? 0) > 0}
          />
          <Tile
            n={a?.oldestWaitingAt ? duration(now - Date.parse(a.oldestWaitingAt)) : '—'}
            label={a?.oldestWaitingAt ? 'oldest waiting' : 'nothing waiting'}
          />
          <Tile n={a?.awaitingMe ?? '…'} label="awaiting me" to="/approvals" testId="o-awaiting-me" />
        </div>
      </section>
      {can('settlements:read') && (
        <section aria-labelledby="o-queue">
          <h2 id="o-queue">Settlement queue</h2>
          <div className="tile-row">
            {SETTLEMENT_STATUSES.filter((st) => st !== 'cancelled').map((st) => (
              <Tile
                key={st}
                n={s?.byStatus[st] ?? '…'}
                label={STATUS_WORDS[st].toLowerCase()}
                to={`/settlements?tab=settlements&status=${st}`}
                testId={`o-queue-${st}`}
              />
            ))}
            <Tile
              n={s?.openFlagged ?? '…'}
              label="open flagged"
              to="/settlements"
              warn={(s?.openFlagged ?? 0) > 0}
              testId="o-flagged"
            />
          </div>
        </section>
      )}
      <section aria-labelledby="o-desk">
        <h2 id="o-desk">Desk</h2>
        <div className="tile-row">
          <Tile
            n={auto ? (auto.enabled ? 'ON' : 'OFF') : '…'}
            label="AUTO_SETTLEMENT"
            to="/flags/AUTO_SETTLEMENT"
            warn={auto ? !auto.enabled : false}
            testId="o-auto"
          />
          {can('alerts:read') && (
            <Tile
              n={alerts.data?.firing ?? '…'}
              label="alerts firing"
              to="/alerts"
              warn={(alerts.data?.firing ?? 0) > 0}
              testId="o-alerts"
            />
          )}
          {can('wallets:read') &&
            hot.map((h) => (
              <Tile
                key={h.id}
                n={h.chainBalance ? usdt(h.chainBalance.usdt) : '?'}
                label={`USDT hot, ${networkName(h.network)}${h.paper ? ' (paper)' : ''}`}
                to="/wallets"
                testId={`o-hot-${h.network}`}
              />
            ))}
          {can('wallets:read') && (
            <Tile
              n={last ? (last.beyondTolerance > 0 ? `${last.beyondTolerance} off` : 'OK') : '—'}
              label={last ? `reconciled ${dateTime(last.finishedAt)}` : 'never reconciled'}
              to="/wallets"
              warn={last ? last.beyondTolerance > 0 : false}
              testId="o-recon"
            />
          )}
        </div>
      </section>
      {[approvals, summary].some((q) => q.isError) && (
        <p className="form-error" role="alert">
          {errorMessage(approvals.error ?? summary.error)}
        </p>
      )}
    </div>
  );
}

function Charts({ w }: { w: Window }) {
  const { can } = useSession();
  const s = useSettlementOverview(w, can('settlements:read'));
  const a = useApprovalsOverview(w);
  const t = useTradesOverview(w, can('trades:read'));
  const error = s.error ?? a.error ?? t.error;
  return (
    <div className="charts" data-testid="overview-charts">
      {error && (
        <p className="form-error" role="alert">
          {errorMessage(error)}
        </p>
      )}
      {s.data && (
        <>
          <Chart
            testId="chart-settlements"
            title="Settlements per interval, by outcome"
            buckets={s.data.buckets}
            bars
            integer
            format={count}
            series={[
              { label: 'Confirmed', values: s.data.outcomes.confirmed, color: '#067647' },
              { label: 'Failed', values: s.data.outcomes.failed, color: '#d92d20' },
              { label: 'Held', values: s.data.outcomes.held, color: '#dc6803' },
              { label: 'Cancelled', values: s.data.outcomes.cancelled, color: '#667085' },
            ]}
          />
          <Chart
            testId="chart-latency"
            title="Booked → confirmed latency"
            buckets={s.data.buckets}
            format={seconds}
            series={[
              { label: 'p50', values: s.data.latencySeconds.p50, color: '#155eef' },
              { label: 'p95', values: s.data.latencySeconds.p95, color: '#7a5af8' },
            ]}
          />
          <Chart
            testId="chart-queue"
            title="Queue depth (queued or in flight)"
            buckets={s.data.buckets}
            integer
            format={count}
            series={[{ label: 'Depth', values: s.data.queueDepth, color: '#155eef' }]}
          />
          <Chart
            testId="chart-flagged"
            title="Flagged events opened and closed"
            buckets={s.data.buckets}
            bars
            integer
            format={count}
            series={[
              { label: 'Opened', values: s.data.flagged.opened, color: '#dc6803' },
              { label: 'Closed', values: s.data.flagged.closed, color: '#067647' },
            ]}
          />
        </>
      )}
      {a.data && (
        <>
          <Chart
            testId="chart-approvals"
            title="Approvals filed and decided"
            buckets={a.data.buckets}
            bars
            integer
            format={count}
            series={[
              { label: 'Filed', values: a.data.filed, color: '#155eef' },
              { label: 'Decided', values: a.data.decided, color: '#067647' },
            ]}
          />
          <Chart
            testId="chart-decision"
            title="Time to decision (mean)"
            buckets={a.data.buckets}
            format={seconds}
            series={[{ label: 'Filed → decided', values: a.data.secondsToDecision, color: '#7a5af8' }]}
          />
        </>
      )}
      {t.data && (
        <Chart
          testId="chart-volume"
          title="Trade volume by network (USDT)"
          buckets={t.data.buckets}
          bars
          format={compact}
          series={[
            { label: networkName('tron'), values: t.data.volumeUsdt.tron.map(Number), color: '#d92d20' },
            {
              label: networkName('ethereum'),
              values: t.data.volumeUsdt.ethereum.map(Number),
              color: '#155eef',
            },
          ]}
        />
      )}
    </div>
  );
}

/** The landing screen: what an ops lead opens the console for, then the trends over a chosen window. Live. */
export function OverviewPage() {
  const [params, setParams] = useSearchParams();
  const w = WINDOWS.find((x) => x === params.get('window')) ?? '24h';
  return (
    <div className="screen overview-page">
      <h1>Overview</h1>
      <Numbers w={w} />
      <div className="toolbar">
        <h2>Trends</h2>
        <div className="segmented" role="group" aria-label="Window">
          {WINDOWS.map((x) => (
            <button
              key={x}
              type="button"
              aria-pressed={x === w}
              onClick={() => setParams(x === '24h' ? {} : { window: x }, { replace: true })}
            >
              {WINDOW_WORDS[x]}
            </button>
          ))}
        </div>
      </div>
      <Charts w={w} />
      <p className="field-hint">
        Volumes are exact in the API (<code>/api/trades/overview</code>); the chart rounds them (
        {usdt('1000000')} → 1.0M).
      </p>
    </div>
  );
}
