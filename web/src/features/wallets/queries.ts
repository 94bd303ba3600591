import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, qs } from '../../api/client';

export interface Amount {
  usdt: string;
  units: string;
}

export interface Wallet {
  id: string;
  network: string;
  role: string;
  adapter: string;
  paper: boolean;
  label: string | null;
  address: string;
  active: boolean;
  chainBalance: Amount | null;
  ledgerBalance: Amount;
  available: Amount;
  reserved: Amount;
  receivable: Amount;
  difference: Amount | null;
  gas: { chain: { eth: string; wei: string } | null; ledger: { eth: string; wei: string } | null } | null;
  chainError: string | null;
  blockHeight: number | null;
  accounts: { main: string; reserved: string; receivable: string };
}

export interface LedgerEntry {
  postingId: string;
  entryId: string;
  key: string;
  kind: string;
  memo: string | null;
  settlementId: string | null;
  amount: Amount;
  asset: string;
  at: string;
}

export interface EntriesPage {
  account: { id: string; kind: string; network: string | null; name: string; balance: Amount };
  items: LedgerEntry[];
  nextBefore: string | null;
}

/** `['wallets']` and `['ledger', …]`: refreshed live on every settlement event (app/live.ts). */
export const walletKeys = {
  list: ['wallets'] as const,
  entries: (id: string) => ['ledger', id] as const,
};

export function useWallets() {
  return useQuery({ queryKey: walletKeys.list, queryFn: () => api.get<{ items: Wallet[] }>('/api/wallets') });
}

export const ENTRIES_PAGE = 25;

export function useEntries(accountId: string) {
  return useInfiniteQuery({
    queryKey: walletKeys.entries(accountId),
    queryFn: ({ pageParam }) =>
      api.get<EntriesPage>(
        `/api/ledger/accounts/${encodeURIComponent(accountId)}/entries${qs({ before: pageParam, limit: ENTRIES_PAGE })}`,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextBefore,
    retry: false,
  });
}

export interface AssetAmount {
  amount: string;
  units: string;
}

export interface ReconciliationRun {
  id: string;
  startedAt: string;
  finishedAt: string;
  trigger: 'schedule' | 'cli' | 'api';
  actorId: string | null;
  tolerance: AssetAmount | null;
  wallets: number;
  beyondTolerance: number;
}

export interface ReconciliationDifference {
  walletId: string;
  network: string;
  adapter: string;
  asset: string;
  blockHeight: number | null;
  chain: AssetAmount | null;
  ledger: AssetAmount | null;
  inFlight: AssetAmount | null;
  difference: AssetAmount | null;
  beyondTolerance: boolean;
  error: string | null;
}

export interface ReconciliationHistory {
  items: ReconciliationRun[];
  latest: { run: ReconciliationRun; differences: ReconciliationDifference[] } | null;
}

export const reconciliationKeys = { history: ['reconciliations'] as const };

export function useReconciliations() {
  return useQuery({
    queryKey: reconciliationKeys.history,
    queryFn: () => api.get<ReconciliationHistory>('/api/wallets/reconciliations?limit=10'),
  });
}

export function useReconcileNow() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () =>
      api.post<{ run: ReconciliationRun; differences: ReconciliationDifference[] }>('/api/wallets/reconcile'),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: reconciliationKeys.history });
      await client.invalidateQueries({ queryKey: walletKeys.list });
    },
  });
}
