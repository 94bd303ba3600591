import { Link, useNavigate } from 'react-router';
import { useSession } from '../../app/session';
import { dateTime } from '../../components/format';
import {
  NETWORKS,
  networkName,
  SETTLEMENT_STATUSES,
  shortHash,
  shortTime,
  statusWords,
  STATUS_WORDS,
  usdt,
  type SettlementStatus,
} from './model';
import { useClientNames, useSettlementList, type ListFilter } from './queries';
import { FilterSelect } from '../../components/FilterSelect';
import { ListBody } from '../../components/ListBody';
import { LoadMore } from '../../components/LoadMore';

export function StatusChip({ status, side }: { status: SettlementStatus; side?: 'buy' | 'sell' }) {
  return <span className={`status settlement-${status}`}>{statusWords(status, side)}</span>;
}

/** Every settlement, newest first, filtered by status and network, a page at a time; live over SSE. */
export function SettlementList({
  filter,
  onFilter,
}: {
  filter: ListFilter;
  onFilter: (f: Partial<ListFilter>) => void;
}) {
  const { can } = useSession();
  const list = useSettlementList(filter);
  const navigate = useNavigate();
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const client = useClientNames(
    items.map((s) => s.clientId),
    can('clients:read'),
  );
  const filtered = Boolean(filter.status || filter.network);

  return (
    <>
      <div className="filters">
        <FilterSelect
          id="settlement-status"
          label="Status"
          any="Any status"
          value={filter.status}
          options={SETTLEMENT_STATUSES}
          words={(s) => STATUS_WORDS[s]}
          onChange={(status) => onFilter({ status })}
        />
        <FilterSelect
          id="settlement-network"
          label="Network"
          any="Any network"
          value={filter.network}
          options={NETWORKS}
          words={networkName}
          onChange={(network) => onFilter({ network })}
        />
        {filtered && (
          <button
            type="button"
            className="link clear-filters"
            onClick={() => onFilter({ status: '', network: '' })}
          >
            Clear filters
          </button>
        )}
      </div>
      <ListBody
        list={list}
        count={items.length}
        filtered={filtered}
        noMatch="No settlements match these filters."
        none="No settlements yet. A booked trade is queued here when AUTO_SETTLEMENT is on, or once its flagged event is requeued."
        emptyTestId="settlements-empty"
        loading="Loading settlements…"
      >
        <table className="data settlements-table" data-testid="settlements-table">
          <caption className="sr-only">Settlements, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Trade</th>
              <th scope="col">Client</th>
              <th scope="col">Status</th>
              <th scope="col">Transaction</th>
              <th scope="col">Booked</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr
                key={s.id}
                className="clickable"
                data-testid="settlement-row"
                data-settlement-id={s.id}
                data-status={s.status}
                onClick={() => void navigate(`/settlements/${s.id}`)}
              >
                <td>
                  <Link
                    to={`/settlements/${s.id}`}
                    className="strong-link"
                    onClick={(e) => e.stopPropagation()}
                  >
                    {s.side === 'sell' ? 'Client sells' : 'Client buys'} {usdt(s.amountUsdt)} USDT
                  </Link>
                  <div className="field-hint nowrap">
                    {networkName(s.network)}
                    {s.paper && <span className="badge paper small">PAPER</span>}
                  </div>
                </td>
                <td>{client(s.clientId)}</td>
                <td>
                  <StatusChip status={s.status} side={s.side} />
                  {s.attempts > 0 && s.status !== 'confirmed' && (
                    <div className="field-hint">
                      {s.attempts} failed attempt{s.attempts === 1 ? '' : 's'}
                    </div>
                  )}
                </td>
                <td>
                  <code className="nowrap" title={s.txHash ?? undefined}>
                    {shortHash(s.txHash)}
                  </code>
                  {s.txHash && (
                    <div className="field-hint">
                      {s.confirmations} confirmation{s.confirmations === 1 ? '' : 's'}
                    </div>
                  )}
                </td>
                <td className="nowrap" title={dateTime(s.bookedAt)}>
                  {shortTime(s.bookedAt)}
                </td>
                <td className="nowrap" title={dateTime(s.updatedAt)}>
                  {shortTime(s.updatedAt)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <LoadMore list={list} shown={items.length} one="settlement" many="settlements" />
      </ListBody>
    </>
  );
}
