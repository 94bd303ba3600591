import { Link, useSearchParams } from 'react-router';
import { errorMessage } from '../../api/messages';
import { useSession } from '../../app/session';
import { FilterSelect } from '../../components/FilterSelect';
import { LoadMore } from '../../components/LoadMore';
import { NETWORKS, networkName, type Network } from '../settlements/model';
import { useClientNames } from '../settlements/queries';
import { SIDES } from './model';
import { useTradeList, type TradeFilter } from './queries';
import { sideWords, TRADE_STATUSES, TRADE_STATUS_WORDS, TradeTable, type TradeStatus } from './TradeTable';

function pick<T extends string>(all: readonly T[], v: string | null): T | '' {
  return all.find((x) => x === v) ?? '';
}

/** Every trade, newest first; the filters live in the URL so a link shows the same list. */
export function TradesPage() {
  const { can } = useSession();
  const [params, setParams] = useSearchParams();
  const filter: TradeFilter = {
    status: pick<TradeStatus>(TRADE_STATUSES, params.get('status')),
    side: pick(SIDES, params.get('side')),
    network: pick<Network>(NETWORKS, params.get('network')),
    client: /^[0-9a-f-]{36}$/i.test(params.get('client') ?? '') ? (params.get('client') ?? '') : '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
  };
  const update = (next: Partial<TradeFilter>) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...filter, ...next })) if (v) p.set(k, v);
    setParams(p, { replace: true });
  };
  const list = useTradeList(filter);
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const name = useClientNames([...items.map((t) => t.clientId), filter.client], can('clients:read'));
  const filtered = Object.values(filter).some(Boolean);

  return (
    <div className="screen trades-page">
      <h1>Trades</h1>
      <p className="lede">
        Every booked trade with the quotes behind it. Cancelling or amending one is a request two people
        approve.
      </p>
      <div className="filters">
        <FilterSelect
          id="trade-status"
          label="Status"
          any="Any status"
          value={filter.status}
          options={TRADE_STATUSES}
          words={(s) => TRADE_STATUS_WORDS[s] ?? s}
          onChange={(status) => update({ status })}
        />
        <FilterSelect
          id="trade-side"
          label="Side"
          any="Buys and sells"
          value={filter.side}
          options={SIDES}
          words={sideWords}
          onChange={(side) => update({ side })}
        />
        <FilterSelect
          id="trade-network"
          label="Network"
          any="Any network"
          value={filter.network}
          options={NETWORKS}
          words={networkName}
          onChange={(network) => update({ network })}
        />
        <div>
          <label htmlFor="trade-from">Booked from</label>
          <input
            id="trade-from"
            type="datetime-local"
            value={filter.from}
            onChange={(e) => update({ from: e.target.value })}
          />
        </div>
        <div>
          <label htmlFor="trade-to">Booked before</label>
          <input
            id="trade-to"
            type="datetime-local"
            value={filter.to}
            onChange={(e) => update({ to: e.target.value })}
          />
        </div>
      </div>
      {filter.client && (
        <p className="info-box" data-testid="client-filter">
          Trades of <Link to={`/clients/${filter.client}`}>{name(filter.client)}</Link> only.{' '}
          <button type="button" className="link" onClick={() => update({ client: '' })}>
            Show every client
          </button>
        </p>
      )}
      {list.isError ? (
        <p className="form-error" role="alert">
          {errorMessage(list.error)}
        </p>
      ) : list.isPending ? (
        <p className="loading" role="status">
          Loading…
        </p>
      ) : items.length === 0 ? (
        <p className="empty" data-testid="trades-empty">
          {filtered
            ? 'No trades match these filters.'
            : 'No trades yet. A client books one by accepting a quote (Telegram bot or client API).'}
        </p>
      ) : (
        <>
          <TradeTable trades={items} client={name} />
          <LoadMore list={list} shown={items.length} one="trade" many="trades" />
        </>
      )}
    </div>
  );
}
