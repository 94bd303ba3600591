import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client';
import type { ChangeRequest } from '../../api/types';
import { FormError } from '../../components/FormError';
import { dateTime, STATUS_LABELS } from '../../components/format';
import { shortTime } from '../settlements/model';
import { KIND_WORDS, type ClientDetail, type ClientRequest } from './model';
import { StatusChip } from './ClientsPage';
import { useFile } from './useFile';
import { FilingWarning } from '../../components/FilingWarning';

const ACTION = {
  pending: { action: 'grant', label: 'Request access for this client' },
  active: { action: 'suspend', label: 'Request suspension' },
  suspended: { action: 'reinstate', label: 'Request reinstatement' },
} as const;

const isOpen = (r: ClientRequest) => r.status === 'pending' || r.status === 'awaiting_secondary';

/** The client's status, the one access change that can be asked for now, and every request about the client. */
export function AccessSection({
  client,
  requests,
  canRequest,
}: {
  client: ClientDetail;
  requests: ClientRequest[];
  canRequest: boolean;
}) {
  const [note, setNote] = useState('');
  const file = useFile<ChangeRequest>(client.id);
  const next = ACTION[client.status];
  const openAccess = requests.find((r) => r.kind === 'client.access' && isOpen(r));

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const done = await file.run(() =>
      api.post<ChangeRequest>('/api/approvals', {
        kind: 'client.access',
        payload: { clientId: client.id, action: next.action },
        ...(note.trim() ? { note: note.trim() } : {}),
      }),
    );
    if (done) setNote('');
  };

  return (
    <section className="card" aria-labelledby="access-title" data-testid="client-access">
      <h2 id="access-title">Access</h2>
      <p>
        <StatusChip status={client.status} />{' '}
        {client.status === 'pending'
          ? 'Cannot trade until a client.access grant is approved and co-signed.'
          : client.status === 'active'
            ? 'Can ask for quotes and trade.'
            : 'Cannot trade; open quotes and keys are refused.'}
      </p>
      {openAccess ? (
        <p className="info-box" data-testid="open-access-request">
          Waiting for a decision: <Link to={`/approvals/${openAccess.id}`}>{openAccess.summary}</Link>{' '}
          <span className={`status ${openAccess.status}`}>
            {STATUS_LABELS[openAccess.status] ?? openAccess.status}
          </span>
        </p>
      ) : (
        canRequest && (
          <form onSubmit={(e) => void submit(e)} noValidate aria-label="Request an access change">
            <label htmlFor="access-note">Note for the approvers (optional)</label>
            <input id="access-note" value={note} maxLength={2000} onChange={(e) => setNote(e.target.value)} />
            <FilingWarning kind="client.access" />
            <FormError error={file.error} />
            <button type="submit" disabled={file.busy}>
              {file.busy ? 'Filing…' : next.label}
            </button>
          </form>
        )
      )}
      <h3>History</h3>
      {requests.length === 0 ? (
        <p className="muted-text">No requests about this client yet.</p>
      ) : (
        <ul className="address-list" data-testid="client-history">
          {requests.map((r) => (
            <li key={r.id} data-testid="client-request" data-status={r.status}>
              <div>
                <strong>{KIND_WORDS[r.kind] ?? r.kind}</strong>{' '}
                <span className={`status ${r.status}`}>{STATUS_LABELS[r.status] ?? r.status}</span>
              </div>
              <Link to={`/approvals/${r.id}`}>{r.summary}</Link>
              <div className="field-hint">
                Filed by {r.requestedBy.name ?? (r.requestedBy.type === 'client' ? 'the client' : 'the desk')}{' '}
                <span title={dateTime(r.createdAt)}>{shortTime(r.createdAt)}</span>
                {r.decidedAt && (
                  <>
                    {' · decided '}
                    <span title={dateTime(r.decidedAt)}>{shortTime(r.decidedAt)}</span>
                  </>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
