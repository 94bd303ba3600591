import { Link, useNavigate } from 'react-router';
import { dateTime } from '../../components/format';
import { networkName, shortTime, usdt } from '../settlements/model';
import type { Trade } from '../clients/model';

export const TRADE_STATUSES = ['booked', 'settling', 'settled', 'cancelled'] as const;
export type TradeStatus = (typeof TRADE_STATUSES)[number];
export const TRADE_STATUS_WORDS: Record<string, string> = {
  booked: 'Booked',
  settling: 'Settling',
  settled: 'Settled',
  cancelled: 'Cancelled',
};

export const sideWords = (side: 'buy' | 'sell') => (side === 'sell' ? 'Client sells' : 'Client buys');

/** Trades, newest first; `client` names the client of each (omitted on a client's own page). */
export function TradeTable({ trades, client }: { trades: Trade[]; client?: (id: string) => string }) {
  const navigate = useNavigate();
  return (
    <div className="table-scroll">
      <table className="data trades-table" data-testid="trades-table">
        <caption className="sr-only">Trades, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Trade</th>
            {client && <th scope="col">Client</th>}
            <th scope="col">Price</th>
            <th scope="col">Total</th>
            <th scope="col">Status</th>
            <th scope="col">Booked</th>
          </tr>
        </thead>
        <tbody>
          {trades.map((t) => (
            <tr
              key={t.id}
              className="clickable"
              data-testid="trade-row"
              data-trade-id={t.id}
              onClick={() => void navigate(`/trades/${t.id}`)}
            >
              <td>
                <Link to={`/trades/${t.id}`} className="strong-link" onClick={(e) => e.stopPropagation()}>
                  {sideWords(t.side)} {usdt(t.amountUsdt)} USDT
                </Link>
                <div className="field-hint nowrap">{networkName(t.network)}</div>
              </td>
              {client && (
                <td>
                  <Link to={`/clients/${t.clientId}`} onClick={(e) => e.stopPropagation()}>
                    {client(t.clientId)}
                  </Link>
                </td>
              )}
              <td className="nowrap">{t.price}</td>
              <td className="nowrap">{usdt(t.total)}</td>
              <td>
                <span className={`status trade-${t.status}`}>{TRADE_STATUS_WORDS[t.status] ?? t.status}</span>
              </td>
              <td className="nowrap" title={dateTime(t.bookedAt)}>
                {shortTime(t.bookedAt)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
