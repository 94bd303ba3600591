/** Shapes of the settlement API (src/settlement/settlement.routes.ts) and how the console words them. */

export type SettlementStatus = 'queued' | 'submitted' | 'confirmed' | 'failed' | 'held' | 'cancelled';
export const SETTLEMENT_STATUSES: SettlementStatus[] = [
  'queued',
  'submitted',
  'confirmed',
  'failed',
  'held',
  'cancelled',
];
export type Network = 'tron' | 'ethereum';
export const NETWORKS: Network[] = ['tron', 'ethereum'];
export type FlagReason =
  | 'AUTO_SETTLEMENT_DISABLED'
  | 'LARGE_NOTIONAL_REVIEW'
  | 'INSUFFICIENT_HOT_WALLET_BALANCE'
  | 'MAX_RETRIES_EXCEEDED';
export const FLAG_REASONS: FlagReason[] = [
  'AUTO_SETTLEMENT_DISABLED',
  'LARGE_NOTIONAL_REVIEW',
  'INSUFFICIENT_HOT_WALLET_BALANCE',
  'MAX_RETRIES_EXCEEDED',
];
export type FlaggedStatus = 'open' | 'requeued' | 'dismissed';
export const FLAGGED_STATUSES: FlaggedStatus[] = ['open', 'requeued', 'dismissed'];

export interface Settlement {
  id: string;
  tradeId: string;
  clientId: string;
  side: 'buy' | 'sell';
  network: Network;
  amountUsdt: string;
  amountUnits: string;
  counterparty: string;
  walletId: string;
  status: SettlementStatus;
  attempts: number;
  lastError: string | null;
  txHash: string | null;
  confirmations: number;
  bookedAt: string;
  createdAt: string;
  updatedAt: string;
  confirmedAt: string | null;
  paper: boolean;
}

export interface TradeSnapshot {
  id?: string;
  clientId?: string;
  side?: 'buy' | 'sell';
  network?: Network;
  amountUsdt?: string;
  price?: string;
  total?: string;
  address?: string;
  status?: string;
  bookedAt?: string;
}

export interface FlaggedEvent {
  id: string;
  tradeId: string;
  settlementId: string | null;
  reason: FlagReason;
  detail: string | null;
  status: FlaggedStatus;
  trade: TradeSnapshot;
  createdAt: string;
  resolvedAt: string | null;
  resolvedByRequest: string | null;
  resolutionNote: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Summary {
  byStatus: Record<SettlementStatus, number>;
  oldestQueuedAt: string | null;
  oldestQueuedSeconds: number | null;
  openFlagged: number;
  openFlaggedByReason: Partial<Record<FlagReason, number>>;
  paper: boolean;
}

export interface TimelineStep {
  at: string;
  step: string;
  detail: Record<string, unknown>;
}

export interface SettlementDetail {
  settlement: Settlement;
  timeline: TimelineStep[];
  flagged: FlaggedEvent[];
}

export const STATUS_WORDS: Record<SettlementStatus, string> = {
  queued: 'Queued',
  submitted: 'In flight',
  confirmed: 'Confirmed',
  failed: 'Failed',
  held: 'Held back',
  cancelled: 'Cancelled',
};

/** A settlement's state for one side: a submitted buy was sent, a submitted sell waits for the client. */
export function statusWords(status: SettlementStatus, side?: 'buy' | 'sell'): string {
  if (status === 'submitted' && side) return side === 'sell' ? 'Waiting for deposit' : 'Sent, confirming';
  return STATUS_WORDS[status] ?? status;
}

export const FLAGGED_WORDS: Record<FlaggedStatus, string> = {
  open: 'Open',
  requeued: 'Requeued',
  dismissed: 'Dismissed',
};

/** Each reason a fill was held back, as the operator needs to read it. */
export const REASON_WORDS: Record<FlagReason, { title: string; short: string }> = {
  AUTO_SETTLEMENT_DISABLED: {
    title: 'Automatic settlement was off',
    short:
      'Booked while automatic settlement was off; it settles once AUTO_SETTLEMENT is on and the event is requeued.',
  },
  LARGE_NOTIONAL_REVIEW: {
    title: 'Large trade, needs review',
    short: 'Above the review threshold: two people must requeue it before it settles.',
  },
  INSUFFICIENT_HOT_WALLET_BALANCE: {
    title: 'Hot wallet could not pay',
    short: 'The hot wallet did not hold enough to pay this buy when it was booked.',
  },
  MAX_RETRIES_EXCEEDED: {
    title: 'Gave up after retries',
    short: 'Every attempt to send it failed; nothing was paid and the reservation was released.',
  },
};

export function reasonTitle(reason: string): string {
  return REASON_WORDS[reason as FlagReason]?.title ?? reason;
}

export const NETWORK_WORDS: Record<string, string> = { tron: 'Tron (TRC-20)', ethereum: 'Ethereum (ERC-20)' };
export const networkName = (n: string | undefined) => (n ? (NETWORK_WORDS[n] ?? n) : '—');

/** Each worker step (settlement_steps.step) in words. */
export const STEP_WORDS: Record<string, string> = {
  queued: 'Queued for settlement',
  requeued: 'Requeued by an approved request',
  reserved: 'Amount reserved in the ledger',
  awaiting_deposit: 'Waiting for the client’s deposit',
  deposit_seen: 'Client’s deposit seen on chain',
  prepared: 'Transfer signed and stored',
  broadcast: 'Transfer broadcast',
  attempt_failed: 'Attempt failed',
  replaced: 'Stuck: replaced with higher fees',
  filled: 'Nonce filled (given up on chain)',
  waiting: 'Waiting',
  left_chain: 'Its block left the chain: waiting again',
  abandoned: 'Given up: it can never land',
  deposit_failed: 'The deposit failed on chain',
  confirmed: 'Confirmed on chain',
  held: 'Held back',
  failed: 'Failed',
  dismissed: 'Dismissed by an approved request',
  cancelled: 'Cancelled',
};

export const stepTitle = (step: string) => STEP_WORDS[step] ?? step;

export { shortTime } from '../../components/format';

/** "1000000.5" → "1,000,000.5": grouped without going through a float. */
export function usdt(amount: string | undefined | null): string {
  if (amount === undefined || amount === null || amount === '') return '—';
  const negative = amount.startsWith('-');
  const [whole = '0', frac] = (negative ? amount.slice(1) : amount).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '−' : ''}${grouped}${frac ? `.${frac}` : ''}`;
}

export const isZero = (amount: string) => /^-?0*(\.0*)?$/.test(amount);

/** "abcdef…1234" for long hashes and addresses, the full value kept in a title. */
export function shortHash(h: string | null | undefined, keep = 10): string {
  if (!h) return '—';
  return h.length <= keep * 2 + 1 ? h : `${h.slice(0, keep)}…${h.slice(-6)}`;
}

/** The timeline's detail, as short "key: value" parts (approvalId becomes a link elsewhere). */
export function stepDetails(detail: Record<string, unknown>): { key: string; value: string }[] {
  const LABELS: Record<string, string> = {
    txHash: 'tx',
    attempt: 'attempt',
    error: 'error',
    reason: 'reason',
    detail: 'detail',
    amountUsdt: 'amount',
    from: 'from',
    to: 'to',
    confirmations: 'confirmations',
    found: 'note',
    why: 'why',
    eventId: 'flagged event',
    maxFeeGwei: 'max fee (gwei)',
    priorityFeeGwei: 'tip (gwei)',
    block: 'block',
  };
  return Object.entries(detail)
    .filter(([k, v]) => k !== 'approvalId' && v !== null && v !== undefined && v !== '')
    .map(([k, v]) => ({
      key: LABELS[k] ?? k,
      value:
        k === 'reason' && typeof v === 'string'
          ? reasonTitle(v)
          : k === 'amountUsdt' && typeof v === 'string'
            ? `${usdt(v)} USDT`
            : typeof v === 'string' || typeof v === 'number'
              ? String(v)
              : JSON.stringify(v),
    }));
}
