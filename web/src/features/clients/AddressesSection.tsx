import { useState } from 'react';
import { api } from '../../api/client';
import type { ChangeRequest } from '../../api/types';
import { FieldError, FormError } from '../../components/FormError';
import { dateTime } from '../../components/format';
import { splitProblem } from '../../components/problems';
import { NETWORKS, networkName, shortTime, type Network } from '../settlements/model';
import { Filed } from './Filed';
import { ADDRESS_WORDS, type ClientAddress, type ClientDetail } from './model';
import { useFile } from './useFile';
import { FilingWarning } from '../../components/FilingWarning';

/** Payout addresses and their whitelist state; adding or removing one is a `client.address` request. */
export function AddressesSection({
  client,
  canRequest,
  open,
}: {
  client: ClientDetail;
  canRequest: boolean;
  /** Ids of the open requests about this client. */
  open: Set<string>;
}) {
  const [network, setNetwork] = useState<Network>('tron');
  const [address, setAddress] = useState('');
  const [local, setLocal] = useState<string | undefined>();
  const file = useFile<{ request: ChangeRequest }>(client.id);
  const server = splitProblem(file.error, { address: ['address'] });
  const live = client.addresses.filter((a) => a.status !== 'removed');

  const request = (body: { network: Network; address: string; action: 'whitelist' | 'remove' }) =>
    file.run(() => api.post<{ request: ChangeRequest }>(`/api/clients/${client.id}/addresses`, body));

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!address.trim()) {
      setLocal('Enter the payout address.');
      document.getElementById('address-value')?.focus();
      return;
    }
    setLocal(undefined);
    if (await request({ network, address: address.trim(), action: 'whitelist' })) setAddress('');
  };

  const remove = (a: ClientAddress) =>
    void request({ network: a.network, address: a.address, action: 'remove' });

  return (
    <section className="card" aria-labelledby="addresses-title" data-testid="client-addresses">
      <h2 id="addresses-title">Payout addresses</h2>
      <p className="field-hint">The desk pays only to a whitelisted address on the trade’s network.</p>
      {live.length === 0 ? (
        <p className="muted-text">No payout address yet: the client cannot trade until one is whitelisted.</p>
      ) : (
        <ul className="address-list">
          {live.map((a) => (
            <li key={a.id} data-testid="address-row" data-status={a.status}>
              <div>
                <strong>{networkName(a.network)}</strong>{' '}
                <span className={`status address-${a.status}`}>{ADDRESS_WORDS[a.status]}</span>
              </div>
              <code className="address">{a.address}</code>
              <div className="field-hint" title={dateTime(a.whitelistedAt ?? a.createdAt)}>
                {a.whitelistedAt
                  ? `Whitelisted ${shortTime(a.whitelistedAt)}`
                  : `Added ${shortTime(a.createdAt)}`}
                {canRequest && a.status === 'whitelisted' && (
                  <>
                    {' · '}
                    <button type="button" className="link" onClick={() => remove(a)} disabled={file.busy}>
                      Request removal
                    </button>
                  </>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      {file.done && open.has(file.done.request.id) && (
        <Filed id={file.done.request.id} what="Address change requested." />
      )}
      {canRequest && (
        <form onSubmit={(e) => void submit(e)} noValidate aria-label="Request a payout address">
          <div className="form-grid address-form">
            <div>
              <label htmlFor="address-network">Network</label>
              <select
                id="address-network"
                value={network}
                onChange={(e) => setNetwork(e.target.value as Network)}
              >
                {NETWORKS.map((n) => (
                  <option key={n} value={n}>
                    {networkName(n)}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label htmlFor="address-value">Address</label>
              <input
                id="address-value"
                value={address}
                spellCheck={false}
                autoComplete="off"
                onChange={(e) => setAddress(e.target.value)}
              />
              <FieldError id="address-value-error" message={local ?? server.fields.address} />
            </div>
          </div>
          <FilingWarning kind="client.address" />
          <FormError error={server.form} />
          <button type="submit" className="secondary" disabled={file.busy}>
            {file.busy ? 'Filing…' : 'Request whitelisting'}
          </button>
        </form>
      )}
    </section>
  );
}
