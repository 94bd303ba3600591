import { Link, useParams } from 'react-router';
import { ApiError } from '../../api/client';
import { errorMessage } from '../../api/messages';
import { useSession } from '../../app/session';
import { dateTime } from '../../components/format';
import { TradeTable } from '../trades/TradeTable';
import { AccessSection } from './AccessSection';
import { AddressesSection } from './AddressesSection';
import { ApiKeysSection } from './ApiKeysSection';
import { StatusChip } from './ClientsPage';
import { LimitsSection } from './LimitsSection';
import { useClient, useClientRequests } from './queries';

/** One client: profile, access and its history, limits and today's use, payout addresses, API keys, trades. */
export function ClientPage() {
  const { id = '' } = useParams();
  const { can } = useSession();
  const client = useClient(id);
  const requests = useClientRequests(id);
  const canRequest = can('approvals:request');

  if (client.isPending)
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  if (client.isError)
    return (
      <div className="screen">
        <p className="crumbs">
          <Link to="/clients">← Clients</Link>
        </p>
        <p className="form-error" role="alert">
          {client.error instanceof ApiError && client.error.status === 404
            ? 'There is no such client.'
            : errorMessage(client.error)}
        </p>
      </div>
    );
  const c = client.data;
  // A "request filed" notice stays only while that request is open: once decided, the page shows the result.
  const open = new Set(
    (requests.data?.items ?? [])
      .filter((r) => r.status === 'pending' || r.status === 'awaiting_secondary')
      .map((r) => r.id),
  );
  return (
    <div className="screen client-page" data-testid="client-page" data-client-id={c.id}>
      <p className="crumbs">
        <Link to="/clients">← Clients</Link>
      </p>
      <div className="page-head">
        <div>
          <h1>
            {c.name} <StatusChip status={c.status} />
          </h1>
          <p className="lede">
            {c.company}, {c.country} · expects {c.monthlyVolume} a month ·{' '}
            {c.telegram
              ? `Telegram${c.telegramUsername ? ` @${c.telegramUsername}` : ''}`
              : 'API only (no Telegram)'}{' '}
            · client since <span title={dateTime(c.createdAt)}>{dateTime(c.createdAt)}</span>
          </p>
        </div>
      </div>
      <div className="columns">
        <div>
          <AccessSection client={c} requests={requests.data?.items ?? []} canRequest={canRequest} />
          <section className="card" aria-labelledby="trades-title" data-testid="client-trades">
            <h2 id="trades-title">Trades</h2>
            {c.trades.length === 0 ? (
              <p className="muted-text">No trades yet.</p>
            ) : (
              <>
                <TradeTable trades={c.trades} />
                {c.trades.length >= 50 && (
                  <p className="field-hint">
                    The latest 50. <Link to={`/trades?client=${c.id}`}>All of this client’s trades</Link>
                  </p>
                )}
              </>
            )}
          </section>
        </div>
        <div>
          <LimitsSection client={c} canRequest={canRequest} open={open} />
          <AddressesSection client={c} canRequest={canRequest} open={open} />
          {can('clients:keys') && <ApiKeysSection client={c} />}
        </div>
      </div>
    </div>
  );
}
