import { errorMessage } from '../../api/messages';
import { useSession } from '../../app/session';
import { dateTime } from '../../components/format';
import { isZero, usdt } from '../settlements/model';
import { useReconcileNow, useReconciliations, type ReconciliationDifference } from './queries';

const TRIGGER_WORDS: Record<string, string> = {
  schedule: 'scheduled',
  cli: 'desk CLI',
  api: 'console / API',
};

/** Grouped digits and a real minus sign, as the wallet cards show amounts; `+` for a positive difference. */
const show = (amount: string | undefined, plus = false) => {
  if (amount === undefined) return '—';
  // gas amounts (ETH, 18 decimals) to the gwei; the exact value is in the cell's title
  const [whole, frac] = amount.split('.');
  const text = usdt(frac && frac.length > 9 ? `${whole}.${frac.slice(0, 9)}` : amount);
  return plus && !amount.startsWith('-') && !isZero(amount) ? `+${text}` : text;
};

function DifferenceRow({ d }: { d: ReconciliationDifference }) {
  return (
    <tr
      className={d.beyondTolerance ? 'bad' : ''}
      data-testid="recon-difference"
      data-wallet-id={d.walletId}
      data-asset={d.asset}
    >
      <td className="wallet-cell">
        <code className="mono-small">{d.walletId}</code>
      </td>
      <td data-label="Asset">{d.asset}</td>
      <td className="num" data-label="Block">
        {d.blockHeight ?? '—'}
      </td>
      <td title={d.chain?.amount} className="num" data-label="Chain">
        {show(d.chain?.amount)}
      </td>
      <td title={d.ledger?.amount} className="num" data-label="Ledger">
        {show(d.ledger?.amount)}
      </td>
      <td className="num" data-label="In flight">
        {show(d.inFlight?.amount, true)}
      </td>
      <td className="num" data-label="Difference" data-testid="recon-amount" title={d.difference?.amount}>
        {show(d.difference?.amount, true)}
      </td>
      <td data-label="State">
        {d.error ? (
          <span className="status bad">{d.error}</span>
        ) : d.beyondTolerance ? (
          <span className="status bad" data-testid="recon-drift">
            drift
          </span>
        ) : (
          <span className="status ok">agrees</span>
        )}
      </td>
    </tr>
  );
}

/** The last reconciliation run, its differences, the history, and a button to run one now. */
export function ReconciliationSection() {
  const { can } = useSession();
  const history = useReconciliations();
  const now = useReconcileNow();
  const latest = history.data?.latest;
  return (
    <section className="card reconciliation" aria-labelledby="recon-title" data-testid="reconciliation">
      <div className="section-head">
        <h2 id="recon-title">Reconciliation</h2>
        {can('wallets:reconcile') && (
          <button
            type="button"
            onClick={() => now.mutate()}
            disabled={now.isPending}
            data-testid="reconcile-now"
          >
            {now.isPending ? 'Reconciling…' : 'Reconcile now'}
          </button>
        )}
      </div>
      <p className="muted-text">
        Each wallet’s chain balance at a block against the ledger at the same point, counting transfers in
        flight. Runs are kept for ever.
      </p>
      {now.isError && (
        <p className="form-error" role="alert">
          {errorMessage(now.error)}
        </p>
      )}
      {history.isError && (
        <p className="form-error" role="alert">
          {errorMessage(history.error)}
        </p>
      )}
      {history.data && !latest && <p className="empty">No reconciliation has run yet.</p>}
      {latest && (
        <>
          <p
            data-testid="recon-last"
            className={latest.run.beyondTolerance > 0 ? 'warn-box' : 'info-box'}
            role="status"
          >
            Last run {dateTime(latest.run.finishedAt)} (
            {TRIGGER_WORDS[latest.run.trigger] ?? latest.run.trigger}):{' '}
            {latest.run.beyondTolerance > 0
              ? `${latest.run.beyondTolerance} difference${latest.run.beyondTolerance === 1 ? '' : 's'} beyond tolerance (${latest.run.tolerance?.amount ?? '0'} USDT).`
              : `every wallet agrees with the ledger (tolerance ${latest.run.tolerance?.amount ?? '0'} USDT).`}
          </p>
          <div className="table-scroll">
            <table className="recon">
              <thead>
                <tr>
                  <th>Wallet</th>
                  <th>Asset</th>
                  <th className="num">Block</th>
                  <th className="num">Chain</th>
                  <th className="num">Ledger</th>
                  <th className="num">In flight</th>
                  <th className="num">Difference</th>
                  <th>State</th>
                </tr>
              </thead>
              <tbody>
                {latest.differences.map((d) => (
                  <DifferenceRow key={`${d.walletId}-${d.asset}`} d={d} />
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {history.data && history.data.items.length > 1 && (
        <>
          <h3>History</h3>
          <ol className="recon-history" data-testid="recon-history">
            {history.data.items.map((r) => (
              <li key={r.id}>
                <time dateTime={r.finishedAt}>{dateTime(r.finishedAt)}</time> ·{' '}
                {TRIGGER_WORDS[r.trigger] ?? r.trigger} · {r.wallets} wallets ·{' '}
                <span className={r.beyondTolerance > 0 ? 'status bad' : 'status ok'}>
                  {r.beyondTolerance > 0 ? `${r.beyondTolerance} beyond tolerance` : 'agrees'}
                </span>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
