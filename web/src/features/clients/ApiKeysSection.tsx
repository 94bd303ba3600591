import { useState } from 'react';
import { api } from '../../api/client';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { FormError } from '../../components/FormError';
import { dateTime } from '../../components/format';
import { shortTime } from '../settlements/model';
import type { ApiKey, ClientDetail } from './model';
import { useApiKeys } from './queries';
import { useFile } from './useFile';

/** API keys: issued to an active client (shown once), revoked at once; both ask for a fresh code and are audited. */
export function ApiKeysSection({ client }: { client: ClientDetail }) {
  const keys = useApiKeys(client.id, true);
  const [label, setLabel] = useState('');
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const issue = useFile<{ id: string; key: string; prefix: string }>(client.id);
  const revoke = useFile<undefined>(client.id);
  const items = keys.data?.items ?? [];

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const done = await issue.run(() =>
      api.post<{ id: string; key: string; prefix: string }>(`/api/clients/${client.id}/api-keys`, {
        ...(label.trim() ? { label: label.trim() } : {}),
      }),
    );
    if (done) setLabel('');
  };

  return (
    <section className="card" aria-labelledby="keys-title" data-testid="client-keys">
      <h2 id="keys-title">API keys</h2>
      {issue.done && (
        <div className="notice" role="status" data-testid="new-api-key">
          <p>
            <strong>Copy this key now and hand it to the client securely: it is shown only once.</strong>
          </p>
          <code className="address" data-testid="api-key-value">
            {issue.done.key}
          </code>
          <button type="button" className="link" onClick={() => issue.reset()}>
            I have stored it
          </button>
        </div>
      )}
      {items.length === 0 ? (
        <p className="muted-text">No API key issued.</p>
      ) : (
        <ul className="address-list">
          {items.map((k) => (
            <li key={k.id} data-testid="api-key-row" data-revoked={k.revokedAt ? 'yes' : 'no'}>
              <div>
                <code>usdk_{k.prefix}_…</code> {k.label && <strong>{k.label}</strong>}{' '}
                {k.revokedAt ? (
                  <span className="status cancelled">Revoked {shortTime(k.revokedAt)}</span>
                ) : (
                  <span className="status approved">Active</span>
                )}
              </div>
              <div className="field-hint">
                Issued <span title={dateTime(k.createdAt)}>{shortTime(k.createdAt)}</span> · last used{' '}
                {k.lastUsedAt ? (
                  <span title={dateTime(k.lastUsedAt)}>{shortTime(k.lastUsedAt)}</span>
                ) : (
                  'never'
                )}
                {!k.revokedAt && (
                  <>
                    {' · '}
                    <button type="button" className="link danger" onClick={() => setRevoking(k)}>
                      Revoke
                    </button>
                  </>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      <FormError error={revoke.error} />
      {client.status === 'active' ? (
        <form onSubmit={(e) => void submit(e)} noValidate aria-label="Issue an API key">
          <label htmlFor="key-label">Label (optional)</label>
          <input
            id="key-label"
            value={label}
            maxLength={200}
            placeholder="e.g. treasury desk, production"
            onChange={(e) => setLabel(e.target.value)}
          />
          <FormError error={issue.error} />
          <button type="submit" disabled={issue.busy}>
            {issue.busy ? 'Issuing…' : 'Issue an API key'}
          </button>
        </form>
      ) : (
        <p className="field-hint">An API key can be issued once the client is active.</p>
      )}
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this API key?"
        confirmLabel="Revoke the key"
        danger
        onCancel={() => setRevoking(null)}
        onConfirm={() => {
          const k = revoking;
          setRevoking(null);
          if (k)
            void revoke.run(() => api.post<undefined>(`/api/clients/${client.id}/api-keys/${k.id}/revoke`));
        }}
      >
        <p>
          Calls signed with <code>usdk_{revoking?.prefix}_…</code> are refused from now on. This cannot be
          undone; issue a new key if the client still needs one.
        </p>
      </ConfirmDialog>
    </section>
  );
}
