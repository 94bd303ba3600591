import { useState } from 'react';
import { errorMessage } from '../../api/messages';
import { dateTime } from '../../components/format';
import { LoadMore } from '../../components/LoadMore';
import { useNow } from '../approvals/useNow';
import { AlertList, RulesTable } from './AlertTables';
import { formatValue, useAlertEvents, useAlerts, type EventFilter } from './queries';
import './alerts.css';

/** `2026-03-02` (a date input) → the ISO instant at that day's start in the browser's zone. */
const dayStart = (d: string) => (d ? new Date(`${d}T00:00:00`).toISOString() : undefined);
const dayEnd = (d: string) =>
  d ? new Date(new Date(`${d}T00:00:00`).getTime() + 86_400_000).toISOString() : undefined;

function History({ units }: { units: Map<string, string> }) {
  const [rule, setRule] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const filter: EventFilter = { rule: rule || undefined, from: dayStart(from), to: dayEnd(to) };
  const events = useAlertEvents(filter);
  const items = events.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter the history">
        <div className="field">
          <label htmlFor="history-rule">Rule</label>
          <select id="history-rule" value={rule} onChange={(e) => setRule(e.target.value)}>
            <option value="">All rules</option>
            {[...units.keys()].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="history-from">From</label>
          <input id="history-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="history-to">To</label>
          <input id="history-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </div>
      </form>
      {events.isError && (
        <p className="form-error" role="alert">
          {errorMessage(events.error)}
        </p>
      )}
      {events.data && items.length === 0 && <p className="empty">No transitions match.</p>}
      {items.length > 0 && (
        <div className="table-scroll">
          <table className="data" data-testid="alert-history">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Rule</th>
                <th scope="col">Change</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.id}>
                  <td>{dateTime(e.at)}</td>
                  <td>
                    <code>{e.rule}</code>
                  </td>
                  <td>
                    {e.from} → <span className={`status ${e.to}`}>{e.to}</span>
                    {e.silenced && <span className="muted-text"> (silenced)</span>}
                  </td>
                  <td>
                    {formatValue(e.value, units.get(e.rule) ?? '')}{' '}
                    <span className="muted-text">/ {formatValue(e.threshold, units.get(e.rule) ?? '')}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {events.data && <LoadMore list={events} shown={items.length} one="transition" many="transitions" />}
    </section>
  );
}

/** What fires now, what is about to, what is silenced, every rule, and the history. */
export function AlertsPage() {
  const alerts = useAlerts();
  const now = useNow(15_000);
  const items = alerts.data?.items ?? [];
  const firing = items.filter((r) => r.state === 'firing');
  const pending = items.filter((r) => r.state === 'pending');
  const silenced = items.filter((r) => r.silence);
  return (
    <div className="screen alerts-page">
      <h1>Alerts</h1>
      <p className="lede">
        The desk evaluates every rule continuously and tells the ops chat and each rule’s owners in Telegram.
        Thresholds change only through a co-signed <code>alert.rule</code> request.
      </p>
      {alerts.isLoading && (
        <p className="loading" role="status">
          Loading alerts…
        </p>
      )}
      {alerts.isError && (
        <p className="form-error" role="alert">
          {errorMessage(alerts.error)}
        </p>
      )}
      {alerts.data && (
        <>
          <section aria-labelledby="firing-title">
            <h2 id="firing-title">Firing now ({firing.length})</h2>
            <AlertList rules={firing} now={now} testId="alerts-firing" empty="Nothing is firing." />
          </section>
          <section aria-labelledby="pending-title">
            <h2 id="pending-title">Pending ({pending.length})</h2>
            <AlertList
              rules={pending}
              now={now}
              testId="alerts-pending"
              empty="No condition is building up."
            />
          </section>
          <section aria-labelledby="silenced-title">
            <h2 id="silenced-title">Silenced ({silenced.length})</h2>
            <AlertList rules={silenced} now={now} testId="alerts-silenced" empty="No rule is silenced." />
          </section>
          <section aria-labelledby="rules-title">
            <h2 id="rules-title">All rules</h2>
            <RulesTable rules={items} />
          </section>
          <History units={new Map(items.map((r) => [r.name, r.unit]))} />
        </>
      )}
    </div>
  );
}
