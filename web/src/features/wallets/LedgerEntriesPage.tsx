import { Link, useParams } from 'react-router';
import { ApiError } from '../../api/client';
import { errorMessage } from '../../api/messages';
import { dateTime } from '../../components/format';
import { networkName, usdt } from '../settlements/model';
import { useEntries } from './queries';
import { LoadMore } from '../../components/LoadMore';

const KIND_WORDS: Record<string, string> = {
  reserve: 'Reserved for a settlement',
  settle: 'Settled',
  release: 'Reservation released',
  fund: 'Funded',
};

/** One ledger account's journal postings, newest first, a page at a time. */
export function LedgerEntriesPage() {
  const { id = '' } = useParams();
  const entries = useEntries(id);
  const account = entries.data?.pages[0]?.account;
  const items = entries.data?.pages.flatMap((p) => p.items) ?? [];

  if (entries.isPending)
    return (
      <p className="loading" role="status">
        Loading ledger entries…
      </p>
    );
  if (!account) {
    const missing = entries.error instanceof ApiError && entries.error.status === 404;
    return (
      <div className="screen">
        <p className="crumbs">
          <Link to="/wallets">← Wallets</Link>
        </p>
        <p className={missing ? 'empty' : 'form-error'} role="alert">
          {missing ? 'There is no such ledger account.' : errorMessage(entries.error)}
        </p>
      </div>
    );
  }
  return (
    <div className="screen ledger-page">
      <p className="crumbs">
        <Link to="/wallets">← Wallets</Link>
      </p>
      <div className="page-head">
        <div>
          <h1>{account.name}</h1>
          <p className="lede">
            Ledger account <code>{account.id}</code> · {account.kind}
            {account.network && <> · {networkName(account.network)}</>}
          </p>
        </div>
        <div className="page-head-side balance-head" data-testid="account-balance">
          <span className="muted-text">Balance</span>
          <strong>{usdt(account.balance.usdt)} USDT</strong>
        </div>
      </div>
      {items.length === 0 ? (
        <p className="empty" data-testid="entries-empty">
          No entries on this account yet.
        </p>
      ) : (
        <>
          <table className="data entries" data-testid="entries">
            <caption className="sr-only">Postings to this account, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Entry</th>
                <th scope="col" className="num">
                  Amount (USDT)
                </th>
                <th scope="col">Settlement</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.postingId} data-testid="entry-row">
                  <td className="nowrap">{dateTime(e.at)}</td>
                  <td>
                    <strong>{KIND_WORDS[e.kind] ?? e.kind}</strong>
                    {e.memo && <div className="field-hint">{e.memo}</div>}
                    <div className="mono-small muted-text">{e.key}</div>
                  </td>
                  <td className={`num ${e.amount.usdt.startsWith('-') ? 'debit' : 'credit'}`}>
                    {e.amount.usdt.startsWith('-') ? usdt(e.amount.usdt) : `+${usdt(e.amount.usdt)}`}
                  </td>
                  <td>
                    {e.settlementId ? (
                      <Link to={`/settlements/${e.settlementId}`}>open</Link>
                    ) : (
                      <span className="muted-text">—</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <LoadMore list={entries} shown={items.length} one="entry" many="entries" label="Older entries" />
        </>
      )}
    </div>
  );
}
