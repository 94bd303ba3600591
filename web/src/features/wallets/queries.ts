import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
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
  chainBalance: Amount;
  ledgerBalance: Amount;
  available: Amount;
  reserved: Amount;
  receivable: Amount;
  difference: Amount;
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
