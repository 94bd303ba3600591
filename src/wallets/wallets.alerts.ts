import type { AlertRule } from '../alerts/alerts.definitions.js';

/** The wallets domain's alert rules, registered with the desk's alert registry at composition. */
export const WALLET_ALERT_RULES: AlertRule[] = [
  {
    name: 'wallet_reconciliation_drift',
    summary: "A desk wallet's chain balance disagrees with the ledger",
    measure: 'wallet and asset differences beyond the tolerance in the latest reconciliation run',
    unit: 'count',
    comparison: '>',
    threshold: '0',
    forSeconds: 0,
    keepFiringForSeconds: 0,
    severity: 'critical',
    owner: 'risk_officer',
    why: 'The ledger is the desk’s record of whose money is where: any difference beyond RECONCILE_TOLERANCE_USDT (and any in the gas asset) is unexplained money, so one run showing it is enough. It resolves with the first run that shows none.',
    sample: { metric: 'desk_reconciliation_differences_beyond_tolerance', aggregate: 'max' },
  },
  {
    name: 'hot_wallet_low_gas',
    summary: 'An EVM hot wallet is running low on gas',
    measure: "the lowest EVM hot wallet's gas balance",
    unit: 'ETH',
    comparison: '<',
    threshold: '0.05',
    forSeconds: 300,
    keepFiringForSeconds: 300,
    severity: 'warning',
    owner: 'platform_admin',
    why: 'An ERC-20 transfer costs about 65,000 gas: 0.05 ETH pays for some 25 payouts at 30 gwei, a few hours of a busy desk, time enough to top up before payouts wait for gas.',
    sample: { metric: 'desk_hot_wallet_gas_balance', aggregate: 'min' },
  },
];
