import { Link, useParams } from 'react-router';
import { ApiError } from '../../api/client';
import { errorMessage } from '../../api/messages';
import { useSession } from '../../app/session';
import { dateTime } from '../../components/format';
import { Timeline } from '../settlements/SettlementDetailPage';
import { StatusChip as SettlementStatus } from '../settlements/SettlementList';
import { networkName, shortTime, usdt } from '../settlements/model';
import { useClientNames } from '../settlements/queries';
import { QUOTE_WORDS, type TradeDetail } from './model';
import { useTrade, useTradeSettlement } from './queries';
import { TradeChanges } from './TradeChanges';
import { sideWords, TRADE_STATUS_WORDS } from './TradeTable';

function Quotes({ trade }: { trade: TradeDetail }) {
  return (
    <section className="card" aria-labelledby="quotes-title" data-testid="trade-quotes">
      <h2 id="quotes-title">Best execution</h2>
      {trade.rfq && (
        <p data-testid="trade-rfq">
          The client asked for a price to {trade.rfq.side === 'sell' ? 'sell' : 'buy'}{' '}
          <strong>{usdt(trade.rfq.amountUsdt)} USDT</strong> on {networkName(trade.rfq.network)} at{' '}
          <time dateTime={trade.rfq.createdAt}>{dateTime(trade.rfq.createdAt)}</time>. {trade.quotes.length}{' '}
          source{trade.quotes.length === 1 ? ' was' : 's were'} asked.
        </p>
      )}
      <div className="table-scroll">
        <table className="data" data-testid="quotes-table">
          <caption className="sr-only">Every quote asked for, in the order received</caption>
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col">Answer</th>
              <th scope="col">Latency</th>
              <th scope="col">Price</th>
              <th scope="col">Total</th>
              <th scope="col">Received</th>
            </tr>
          </thead>
          <tbody>
            {trade.quotes.map((q) => (
              <tr
                key={q.id}
                className={q.id === trade.quoteId ? 'quote-best' : undefined}
                data-testid="quote-row"
                data-status={q.status}
              >
                <td>{q.source === 'house' ? 'House pricer' : q.source}</td>
                <td>
                  <span className={`status quote-${q.status}`}>{QUOTE_WORDS[q.status]}</span>
                  {q.error && <div className="field-hint">{q.error}</div>}
                </td>
                <td className="nowrap" data-testid="quote-latency">
                  {q.latencyMs} ms
                </td>
                <td className="nowrap">{q.price ?? '—'}</td>
                <td className="nowrap">{q.total ? usdt(q.total) : '—'}</td>
                <td className="nowrap" title={dateTime(q.receivedAt)}>
                  {shortTime(q.receivedAt)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Settlement({ tradeId }: { tradeId: string }) {
  const { can } = useSession();
  const s = useTradeSettlement(tradeId, can('settlements:read'));
  if (!can('settlements:read')) return null;
  return (
    <section
      className="card settlement-detail"
      aria-labelledby="settlement-title"
      data-testid="trade-settlement"
    >
      <h2 id="settlement-title">Settlement</h2>
      {s.isPending ? (
        <p className="loading">Loading…</p>
      ) : s.isError ? (
        <p className="form-error">{errorMessage(s.error)}</p>
      ) : !s.data ? (
        <p className="muted-text">
          Not queued for settlement: it may be held back. See <Link to="/settlements">flagged fills</Link>.
        </p>
      ) : (
        <>
          <p>
            <SettlementStatus status={s.data.settlement.status} side={s.data.settlement.side} />{' '}
            <Link to={`/settlements/${s.data.settlement.id}`}>Open the settlement</Link>
          </p>
          <Timeline steps={s.data.timeline} />
        </>
      )}
    </section>
  );
}

/** One trade: what was asked, every quote with its latency, the accepted one, settlement, change requests. */
export function TradeDetailPage() {
  const { id = '' } = useParams();
  const { can } = useSession();
  const trade = useTrade(id);
  const name = useClientNames([trade.data?.clientId], can('clients:read'));
  if (trade.isPending)
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  if (trade.isError)
    return (
      <div className="screen">
        <p className="crumbs">
          <Link to="/trades">← Trades</Link>
        </p>
        <p className="form-error" role="alert">
          {trade.error instanceof ApiError && trade.error.status === 404
            ? 'There is no such trade.'
            : errorMessage(trade.error)}
        </p>
      </div>
    );
  const t = trade.data;
  return (
    <div className="screen trade-page" data-testid="trade-page" data-trade-id={t.id}>
      <p className="crumbs">
        <Link to="/trades">← Trades</Link>
      </p>
      <h1>
        {sideWords(t.side)} {usdt(t.amountUsdt)} USDT{' '}
        <span className={`status trade-${t.status}`}>{TRADE_STATUS_WORDS[t.status] ?? t.status}</span>
      </h1>
      <dl className="facts trade-facts">
        <dt>Client</dt>
        <dd>
          <Link to={`/clients/${t.clientId}`} data-testid="trade-client">
            {name(t.clientId)}
          </Link>
        </dd>
        <dt>Price and total</dt>
        <dd>
          {t.price} · {usdt(t.total)}
        </dd>
        <dt>Network</dt>
        <dd>{networkName(t.network)}</dd>
        <dt>Payout address</dt>
        <dd>
          <code>{t.address}</code>
        </dd>
        <dt>Booked</dt>
        <dd>
          <time dateTime={t.bookedAt}>{dateTime(t.bookedAt)}</time>
        </dd>
      </dl>
      <div className="columns">
        <div>
          <Quotes trade={t} />
          <Settlement tradeId={t.id} />
        </div>
        <div>
          <TradeChanges trade={t} canChange={can('trades:change')} />
        </div>
      </div>
    </div>
  );
}
