import { Link, useNavigate } from 'react-router';
import { useSession } from '../../app/session';
import { FilterSelect } from '../../components/FilterSelect';
import { ListBody } from '../../components/ListBody';
import { LoadMore } from '../../components/LoadMore';
import { pickOne, useUrlFilter } from '../../components/urlFilter';
import { dateTime } from '../../components/format';
import { NETWORKS, networkName, shortTime, type Network } from '../settlements/model';
import {
  ACTIVITIES,
  ACTIVITY_WORDS,
  CLIENT_STATUSES,
  CLIENT_STATUS_WORDS,
  type Activity,
  type ClientStatus,
} from './model';
import { useClientList, type ClientFilter } from './queries';

function readFilter(params: URLSearchParams): ClientFilter {
  return {
    q: params.get('q') ?? '',
    status: pickOne<ClientStatus>(CLIENT_STATUSES, params.get('status')),
    network: pickOne<Network>(NETWORKS, params.get('network')),
    activity: pickOne<Activity>(ACTIVITIES, params.get('activity')),
  };
}

export function StatusChip({ status }: { status: ClientStatus }) {
  return <span className={`status client-${status}`}>{CLIENT_STATUS_WORDS[status]}</span>;
}

/** Clients: search and filters in the URL (a link or reload shows the same list), newest first. */
export function ClientsPage() {
  const { can } = useSession();
  const navigate = useNavigate();
  const [filter, update] = useUrlFilter(readFilter);
  const list = useClientList(filter);
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Boolean(filter.q || filter.status || filter.network || filter.activity);

  return (
    <div className="screen clients-page">
      <div className="toolbar">
        <div>
          <h1>Clients</h1>
          <p className="lede">
            Who trades with the desk. Access, limits and payout addresses change only through requests two
            people approve.
          </p>
        </div>
        {can('approvals:request') && (
          <Link to="/clients/new" className="button" data-testid="register-client">
            Register an API client
          </Link>
        )}
      </div>
      <div className="filters">
        <div>
          <label htmlFor="client-search">Search</label>
          <input
            id="client-search"
            type="search"
            placeholder="Name, company or @username"
            value={filter.q}
            onChange={(e) => update({ q: e.target.value })}
          />
        </div>
        <FilterSelect
          id="client-status"
          label="Status"
          any="Any status"
          value={filter.status}
          options={CLIENT_STATUSES}
          words={(s) => CLIENT_STATUS_WORDS[s]}
          onChange={(status) => update({ status })}
        />
        <FilterSelect
          id="client-network"
          label="Payout network"
          any="Any network"
          value={filter.network}
          options={NETWORKS}
          words={networkName}
          onChange={(network) => update({ network })}
        />
        <FilterSelect
          id="client-activity"
          label="Activity"
          any="Any activity"
          value={filter.activity}
          options={ACTIVITIES}
          words={(a) => ACTIVITY_WORDS[a]}
          onChange={(activity) => update({ activity })}
        />
      </div>
      <ListBody
        list={list}
        count={items.length}
        filtered={filtered}
        noMatch="No clients match these filters."
        none="No clients yet. A client applies through the Telegram bot, or you register an API client here."
        emptyTestId="clients-empty"
      >
        <div className="table-scroll">
          <table className="data clients-table" data-testid="clients-table">
            <caption className="sr-only">Clients, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Client</th>
                <th scope="col">Status</th>
                <th scope="col">Channel</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr
                  key={c.id}
                  className="clickable"
                  data-testid="client-row"
                  data-client-id={c.id}
                  onClick={() => void navigate(`/clients/${c.id}`)}
                >
                  <td>
                    <Link
                      to={`/clients/${c.id}`}
                      className="strong-link"
                      onClick={(e) => e.stopPropagation()}
                    >
                      {c.name}
                    </Link>
                    <div className="field-hint">
                      {c.company}, {c.country}
                    </div>
                  </td>
                  <td>
                    <StatusChip status={c.status} />
                  </td>
                  <td>
                    {c.telegram
                      ? `Telegram${c.telegramUsername ? ` @${c.telegramUsername}` : ''}`
                      : 'API only'}
                  </td>
                  <td className="nowrap" title={dateTime(c.createdAt)}>
                    {shortTime(c.createdAt)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <LoadMore list={list} shown={items.length} one="client" many="clients" />
      </ListBody>
    </div>
  );
}
