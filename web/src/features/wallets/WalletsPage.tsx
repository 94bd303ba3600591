import { Link } from 'react-router';
import { errorMessage } from '../../api/messages';
import { isZero, networkName, usdt } from '../settlements/model';
import { useWallets, type Amount, type Wallet } from './queries';
import { ReconciliationSection } from './ReconciliationSection';

const ROLE_WORDS: Record<string, string> = { hot: 'hot wallet' };

/** ETH to the gwei (9 decimals): the wei are in the API and in reconciliation. */
const eth = (value: string | undefined) => {
  if (value === undefined) return '—';
  const [whole, frac] = value.split('.');
  return frac && frac.length > 9 ? `${whole}.${frac.slice(0, 9)}` : value;
};

function Balance({
  label,
  amount,
  testId,
  tone,
  hint,
  signed,
}: {
  label: string;
  amount: Amount | null;
  testId: string;
  tone?: string;
  hint?: string;
  signed?: boolean;
}) {
  const plus = amount && signed && !amount.usdt.startsWith('-') && !isZero(amount.usdt) ? '+' : '';
  return (
    <div className={`balance ${tone ?? ''}`} data-testid={testId}>
      <span className="l">{label}</span>
      <span className="n">
        {plus}
        {amount ? usdt(amount.usdt) : '—'}
      </span>
      {hint && <span className="h">{hint}</span>}
    </div>
  );
}

function WalletCard({ w }: { w: Wallet }) {
  const off = w.difference !== null && !isZero(w.difference.usdt);
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
          <span className="badge muted" data-testid="chain-badge" title="A real chain, reached over JSON-RPC">
            {w.adapter.toUpperCase()}
          </span>
        )}
        {!w.active && (
          <span
            className="badge muted"
            title="No new trade settles from this wallet; it is still reconciled."
          >
            retired
          </span>
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
            w.difference === null
              ? 'the chain did not answer'
              : off
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
      {w.chainError && (
        <p className="form-error" role="alert" data-testid="chain-error">
          The chain did not answer: {w.chainError}
        </p>
      )}
      {w.gas && (
        <p className="gas-line" data-testid="gas">
          <span className="muted-text">Gas: </span>
          {eth(w.gas.chain?.eth)} ETH on chain · {eth(w.gas.ledger?.eth)} ETH in the ledger
        </p>
      )}
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
  const allPaper = paper && items.every((w) => w.paper);
  const off = items.filter((w) => w.difference !== null && !isZero(w.difference.usdt));
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
        {allPaper && (
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
          {allPaper ? (
            <>
              <strong>Paper wallets.</strong> The chain is simulated by the desk (addresses, balances,
              blocks). Nothing here is real money.
            </>
          ) : (
            <>
              <strong>Mixed chains.</strong> Wallets marked PAPER are simulated by the desk and hold no real
              money; the others are on real chains.
            </>
          )}
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
      <ReconciliationSection />
    </div>
  );
}
