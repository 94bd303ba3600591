import { Link } from 'react-router';
import { errorMessage } from '../../api/messages';
import { dateTime } from '../../components/format';
import { useOperatorNames } from '../../components/useOperatorNames';
import { useFlags } from './queries';
import { flagReason } from './reason';

export function OnOff({ enabled, big = false }: { enabled: boolean; big?: boolean }) {
  return (
    <span className={`badge ${enabled ? 'on' : 'off'}${big ? ' big' : ''}`}>{enabled ? 'ON' : 'OFF'}</span>
  );
}

/** Every flag with its state and who set it last, why and when. */
export function FlagsPage() {
  const flags = useFlags();
  const items = flags.data?.items ?? [];
  const name = useOperatorNames(
    items.map((f) => f.updatedBy.id),
    items.map((f) => [f.updatedBy.id, f.updatedBy.name] as const),
  );

  return (
    <div className="screen flags-page">
      <h1>Feature flags</h1>
      <p className="lede">
        A flag changes only through a request that two people approve, except the emergency stop of
        AUTO_SETTLEMENT (the safe direction), which is reviewed afterwards.
      </p>
      {flags.isLoading && (
        <p className="loading" role="status">
          Loading flags…
        </p>
      )}
      {flags.isError && (
        <p className="form-error" role="alert">
          {errorMessage(flags.error)}
        </p>
      )}
      {flags.data && flags.data.items.length === 0 && <p className="empty">The desk has no flags yet.</p>}
      {flags.data && flags.data.items.length > 0 && (
        <table className="data" data-testid="flags">
          <thead>
            <tr>
              <th scope="col">Flag</th>
              <th scope="col">State</th>
              <th scope="col">Last change</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {flags.data.items.map((f) => (
              <tr key={f.key} data-testid={`flag-${f.key}`}>
                <td>
                  <Link to={`/flags/${encodeURIComponent(f.key)}`} className="strong-link">
                    {f.key}
                  </Link>
                  <div className="field-hint">{f.description}</div>
                </td>
                <td>
                  <OnOff enabled={f.enabled} />
                </td>
                <td>
                  <div>{dateTime(f.updatedAt)}</div>
                  <div className="field-hint">
                    {f.updatedBy.type === 'operator'
                      ? name(f.updatedBy.id)
                      : f.updatedBy.type === 'system'
                        ? 'the desk'
                        : f.updatedBy.type}
                    {f.requestId ? (
                      <>
                        {' · '}
                        <Link to={`/approvals/${f.requestId}`}>approved request</Link>
                      </>
                    ) : null}
                  </div>
                </td>
                <td className="reason-cell" data-testid="flag-list-reason">
                  {flagReason(f) ?? <span className="muted-text">—</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {flags.data && flags.data.items.length > 0 && (
        <p className="field-hint">
          Open a flag to see its full history, propose a change or, for AUTO_SETTLEMENT, stop it at once.
        </p>
      )}
    </div>
  );
}
