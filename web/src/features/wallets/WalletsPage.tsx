import { Link } from 'react-router';
import { errorMessage } from '../../api/messages';
import { isZero, networkName, usdt } from '../settlements/model';
import { useWallets, type Amount, type Wallet } from './queries';

const ROLE_WORDS: Record<string, string> = { hot: 'hot wallet' };

function Balance({
  label,
  amount,
  testId,
  tone,
  hint,
  signed,
}: {
  label: string;
  amount: Amount;
  testId: string;
  tone?: string;
  hint?: string;
  signed?: boolean;
}) {
  const plus = signed && !amount.usdt.startsWith('-') && !isZero(amount.usdt) ? '+' : '';
  return (
    <div className={`balance ${tone ?? ''}`} data-testid={testId}>
      <span className="l">{label}</span>
      <span className="n">
        {plus}
        {usdt(amount.usdt)}
      </span>
      {hint && <span className="h">{hint}</span>}
    </div>
  );
}

function WalletCard({ w }: { w: Wallet }) {
  const off = !isZero(w.difference.usdt);
  return (
    <section
      className="card wallet-card"
      aria-labelledby={`wallet-${w.id}`}
      data-testid="wallet"
      data-wallet-id={w.id}
    >
      <div className="wallet-head">
        <h2 id={`wallet-${w.id}`}>
          {networkName(w.network)} {ROLE_WORDS[w.role] ?? w.role}
        </h2>
        {w.paper ? (
          <span
            className="badge paper"
            data-testid="paper-badge"
            title="A simulated chain kept by the desk: no real USDT."
          >
            {w.label ?? 'PAPER'}
          </span>
        ) : (
          <span className="badge muted">{w.adapter}</span>
        )}
        <span className="muted-text block-height" data-testid="block-height">
          block {w.blockHeight ?? '—'}
        </span>
      </div>
      <p className="address">
        <span className="muted-text">Address </span>
        <code data-testid="wallet-address">{w.address}</code>
      </p>
      <div className="balances">
        <Balance label="On chain" amount={w.chainBalance} testId="chain-balance" hint="what the chain says" />
        <Balance
          label="Ledger"
          amount={w.ledgerBalance}
          testId="ledger-balance"
          hint="available + reserved"
        />
        <Balance
          label="Difference"
          amount={w.difference}
          testId="difference"
          signed
          tone={off ? 'bad' : 'ok'}
          hint={
            off
              ? w.difference.usdt.startsWith('-')
                ? 'chain holds less than the ledger'
                : 'chain holds more than the ledger'
              : 'chain equals ledger'
          }
        />
        <Balance
          label="Available"
          amount={w.available}
          testId="available"
          hint="can be promised to new buys"
        />
        <Balance
          label="Reserved"
          amount={w.reserved}
          testId="reserved"
          hint="promised to settlements in flight"
        />
        <Balance
          label="Receivable"
          amount={w.receivable}
          testId="receivable"
          hint="due from selling clients"
        />
      </div>
      <p className="accounts">
        <span className="muted-text">Ledger entries: </span>
        <Link to={`/wallets/accounts/${encodeURIComponent(w.accounts.main)}`}>available</Link>
        {' · '}
        <Link to={`/wallets/accounts/${encodeURIComponent(w.accounts.reserved)}`}>reserved</Link>
        {' · '}
        <Link to={`/wallets/accounts/${encodeURIComponent(w.accounts.receivable)}`}>receivable</Link>
      </p>
    </section>
  );
}

/** The desk's wallets, chain and ledger side by side: a non-zero difference is the thing to look at. */
export function WalletsPage() {
  const wallets = useWallets();
  const items = wallets.data?.items ?? [];
  const paper = items.some((w) => w.paper);
  const off = items.filter((w) => !isZero(w.difference.usdt));
  return (
    <div className="screen wallets-page">
      <div className="page-head">
        <div>
          <h1>Wallets</h1>
          <p className="lede">
            Each desk wallet’s balance on chain next to what the double-entry ledger says it holds. Amounts in
            USDT; they update as settlements move.
          </p>
        </div>
        {paper && (
          <span
            className="badge paper big"
            data-testid="paper-page-badge"
            title="These wallets live on the simulated paper chain: no real USDT moves."
          >
            PAPER
          </span>
        )}
      </div>
      {paper && (
        <p className="info-box paper-note" role="note">
          <strong>Paper wallets.</strong> The chain is simulated by the desk (addresses, balances, blocks).
          Nothing here is real money.
        </p>
      )}
      {off.length > 0 && (
        <p className="warn-box" role="status" data-testid="difference-warning">
          {off.length === 1 ? 'A wallet’s' : `${off.length} wallets’`} chain balance differs from the ledger.
          Check the ledger entries and the settlements in flight.
        </p>
      )}
      {wallets.isPending && (
        <p className="loading" role="status">
          Loading wallets…
        </p>
      )}
      {wallets.isError && (
        <p className="form-error" role="alert">
          {errorMessage(wallets.error)}
        </p>
      )}
      {wallets.data && items.length === 0 && (
        <p className="empty">The desk has no wallets yet: they are created on the first start.</p>
      )}
      <div className="wallet-grid">
        {items.map((w) => (
          <WalletCard key={w.id} w={w} />
        ))}
      </div>
    </div>
  );
}
