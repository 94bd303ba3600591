import { Link } from 'react-router';
import { useSession } from '../../app/session';
import { FilterSelect } from '../../components/FilterSelect';
import { ListBody } from '../../components/ListBody';
import { LoadMore } from '../../components/LoadMore';
import { pickOne, useUrlFilter } from '../../components/urlFilter';
import { NETWORKS, networkName, type Network } from '../settlements/model';
import { useClientNames } from '../settlements/queries';
import { SIDES } from './model';
import { useTradeList, type TradeFilter } from './queries';
import { sideWords, TRADE_STATUSES, TRADE_STATUS_WORDS, TradeTable, type TradeStatus } from './TradeTable';

function readFilter(params: URLSearchParams): TradeFilter {
  const client = params.get('client') ?? '';
  return {
    status: pickOne<TradeStatus>(TRADE_STATUSES, params.get('status')),
    side: pickOne(SIDES, params.get('side')),
    network: pickOne<Network>(NETWORKS, params.get('network')),
    client: /^[0-9a-f-]{36}$/i.test(client) ? client : '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
  };
}

/** Every trade, newest first; the filters live in the URL so a link shows the same list. */
export function TradesPage() {
  const { can } = useSession();
  const [filter, update] = useUrlFilter(readFilter);
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
      <ListBody
        list={list}
        count={items.length}
        filtered={filtered}
        noMatch="No trades match these filters."
        none="No trades yet. A client books one by accepting a quote (Telegram bot or client API)."
        emptyTestId="trades-empty"
      >
        <TradeTable trades={items} client={name} />
        <LoadMore list={list} shown={items.length} one="trade" many="trades" />
      </ListBody>
    </div>
  );
}
