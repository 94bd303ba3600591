import { useState } from 'react';
import { Link } from 'react-router';
import { request } from '../../api/client';
import { ROLE_LABELS } from '../../api/types';
import { useSession } from '../../app/session';
import { dateTime, duration } from '../../components/format';
import { FormError } from '../../components/FormError';
import { formatFor, formatValue, type AlertRule } from './queries';
import { SilenceForm } from './SilenceForm';

export function SeverityChip({ severity }: { severity: string }) {
  return <span className={`severity ${severity}`}>{severity}</span>;
}

function Condition({ rule }: { rule: AlertRule }) {
  if (rule.unit === 'flag')
    return (
      <>
        <strong>{formatValue(rule.value, rule.unit)}</strong>{' '}
        <span className="muted-text">(holds while off)</span>
      </>
    );
  return (
    <>
      <strong>{formatValue(rule.value, rule.unit)}</strong>{' '}
      <span className="muted-text">
        (threshold {rule.comparison} {formatValue(rule.threshold, rule.unit)})
      </span>
    </>
  );
}

/** Silence (owners only) or lift a silence, in place. */
function SilenceControls({ rule }: { rule: AlertRule }) {
  const { me } = useSession();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const owner = me?.roles.includes(rule.owner) ?? false;
  if (!owner) return <span className="muted-text">owner: {ROLE_LABELS[rule.owner]}</span>;
  if (rule.silence)
    return (
      <>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setError(null);
            request('DELETE', `/api/alerts/${encodeURIComponent(rule.name)}/silence`).catch(setError);
          }}
        >
          Lift silence
        </button>
        <FormError error={error} />
      </>
    );
  if (!open)
    return (
      <button type="button" className="secondary" onClick={() => setOpen(true)}>
        Silence…
      </button>
    );
  return <SilenceForm rule={rule} onDone={() => setOpen(false)} />;
}

/** The rules in one state, as cards that read on a phone as well as on a wide screen. */
export function AlertList({
  rules,
  empty,
  now,
  testId,
}: {
  rules: AlertRule[];
  empty: string;
  now: number;
  testId: string;
}) {
  // The desk's clock, as of its last evaluation, when it is ahead of this browser's.
  const at = (r: AlertRule) => Math.max(now, r.evaluatedAt ? new Date(r.evaluatedAt).getTime() : 0);
  if (rules.length === 0)
    return (
      <p className="empty" data-testid={`${testId}-empty`}>
        {empty}
      </p>
    );
  return (
    <ul className="alert-list" data-testid={testId}>
      {rules.map((r) => (
        <li key={r.name} className={`alert-card ${r.state} ${r.severity}`} data-testid={`alert-${r.name}`}>
          <div className="alert-head">
            <SeverityChip severity={r.severity} />
            <code className="alert-name">{r.name}</code>
            {r.silence && <span className="badge muted">silenced</span>}
          </div>
          <div className="alert-summary">{r.summary}</div>
          <div className="alert-facts">
            <span>
              <Condition rule={r} />
            </span>
            {r.state === 'firing' && r.firingSince && (
              <span>
                firing for {duration(at(r) - new Date(r.firingSince).getTime())} (since{' '}
                {dateTime(r.firingSince)})
              </span>
            )}
            {r.state === 'pending' && r.since && (
              <span>
                pending {duration(at(r) - new Date(r.since).getTime())} of {formatFor(r.forSeconds)}
              </span>
            )}
            {r.silence && (
              <span>
                silenced until {dateTime(r.silence.until)}: “{r.silence.reason}”
              </span>
            )}
          </div>
          <div className="alert-actions">
            <Link to={`/alerts/${encodeURIComponent(r.name)}/runbook`}>Runbook</Link>
            <SilenceControls rule={r} />
          </div>
        </li>
      ))}
    </ul>
  );
}

/** Every rule with the parameters in force: what the risk lead shows a regulator. */
export function RulesTable({ rules }: { rules: AlertRule[] }) {
  return (
    <div className="table-scroll">
      <table className="data rules-table" data-testid="alert-rules">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Condition</th>
            <th scope="col">For</th>
            <th scope="col">Severity</th>
            <th scope="col">Owner</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={r.name}>
              <td>
                <Link to={`/alerts/${encodeURIComponent(r.name)}/runbook`} className="strong-link">
                  {r.name}
                </Link>
                <div className="field-hint">{r.summary}</div>
              </td>
              <td>
                {r.unit === 'flag'
                  ? `${r.measure}: holds while off`
                  : `${r.measure} ${r.comparison} ${formatValue(r.threshold, r.unit)}`}
              </td>
              <td>{formatFor(r.forSeconds)}</td>
              <td>
                <SeverityChip severity={r.severity} />
              </td>
              <td>{ROLE_LABELS[r.owner]}</td>
              <td>
                <span className={`status ${r.state}`}>{r.state}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
