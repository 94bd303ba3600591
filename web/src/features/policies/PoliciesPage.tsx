import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { errorMessage } from '../../api/messages';
import { dateTime } from '../../components/format';
import { roles, tierWords, ttl, type PolicyRow } from './model';

export const usePolicies = () =>
  useQuery({
    queryKey: ['approvals', 'policies'],
    queryFn: () => api.get<{ items: PolicyRow[] }>('/api/approvals/policies'),
  });

/** Every kind's approval policy: who approves, who co-signs, when a request expires, the tiers. */
export function PoliciesPage() {
  const q = usePolicies();
  return (
    <div className="screen policies-page">
      <h1>Approval policies</h1>
      <p className="lede">
        For each kind of change request: who may approve it first, who may co-sign it, how long it stays open,
        and tiers that ask for other co-signers above a threshold. Changing one is itself a request (
        <code>policy.set</code>) that two people approve.
      </p>
      {q.isError && (
        <p className="form-error" role="alert">
          {errorMessage(q.error)}
        </p>
      )}
      {q.data && (
        <div className="table-scroll">
          <table className="data policies-table" data-testid="policies-table">
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Primary approvers</th>
                <th scope="col">Co-signers</th>
                <th scope="col">Expires after</th>
                <th scope="col">Tiers</th>
              </tr>
            </thead>
            <tbody>
              {q.data.items.map((p) => (
                <tr key={p.kind} data-testid="policy-row" data-kind={p.kind}>
                  <td>
                    <Link to={`/policies/${encodeURIComponent(p.kind)}`} className="strong-link">
                      {p.kind}
                    </Link>
                    <div className="field-hint" title={dateTime(p.updatedAt)}>
                      version {p.version}
                    </div>
                  </td>
                  <td data-label="Primary">{roles(p.primaryRoles)}</td>
                  <td data-label="Co-signers">{roles(p.secondaryRoles)}</td>
                  <td data-label="Expires after" className="nowrap">
                    {ttl(p.ttlSeconds)}
                  </td>
                  <td data-label="Tiers">{p.tiers.length ? p.tiers.map(tierWords).join('; ') : 'none'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
