/** Shapes of the clients API (src/clients/*.routes.ts) and how the console words them. */
import type { Network } from '../settlements/model';

export type ClientStatus = 'pending' | 'active' | 'suspended';
export const CLIENT_STATUSES: ClientStatus[] = ['pending', 'active', 'suspended'];
export const CLIENT_STATUS_WORDS: Record<ClientStatus, string> = {
  pending: 'Waiting for access',
  active: 'Active',
  suspended: 'Suspended',
};
export type Activity = 'traded_30d' | 'idle_30d';
export const ACTIVITIES: Activity[] = ['traded_30d', 'idle_30d'];
export const ACTIVITY_WORDS: Record<Activity, string> = {
  traded_30d: 'Traded in the last 30 days',
  idle_30d: 'No trade in the last 30 days',
};
/** The brackets a client chooses from (src/clients/clients.rules.ts VOLUME_BRACKETS). */
export const VOLUME_BRACKETS = ['under 100k USDT', '100k–1M USDT', '1M–10M USDT', 'over 10M USDT'] as const;

export interface Client {
  id: string;
  name: string;
  company: string;
  country: string;
  monthlyVolume: string;
  telegramUsername: string | null;
  telegram: boolean;
  status: ClientStatus;
  createdAt: string;
}

export interface ClientAddress {
  id: string;
  network: Network;
  address: string;
  status: 'pending' | 'whitelisted' | 'removed';
  createdAt: string;
  whitelistedAt: string | null;
}

export interface Trade {
  id: string;
  clientId: string;
  quoteId: string;
  rfqId: string;
  side: 'buy' | 'sell';
  network: Network;
  amountUsdt: string;
  price: string;
  total: string;
  address: string;
  status: string;
  bookedAt: string;
}

export interface ClientDetail extends Client {
  limits: { maxPerTradeUsdt: string; maxPerDayUsdt: string; own: boolean; bookedLast24hUsdt: string };
  addresses: ClientAddress[];
  trades: Trade[];
}

export interface ApiKey {
  id: string;
  prefix: string;
  label: string | null;
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface ClientRequest {
  id: string;
  kind: string;
  status: string;
  summary: string;
  entity: { type: string; id: string };
  requestedBy: { type: string; id: string | null; name: string | null };
  createdAt: string;
  decidedAt: string | null;
}

export const ADDRESS_WORDS: Record<ClientAddress['status'], string> = {
  pending: 'Waiting for approval',
  whitelisted: 'Whitelisted',
  removed: 'Removed',
};

export const KIND_WORDS: Record<string, string> = {
  'client.access': 'Access',
  'client.limits': 'Limits',
  'client.address': 'Payout address',
};

/** "25%" of a limit used, from decimal strings (no floats for the amounts themselves; the share is display only). */
export function share(used: string, limit: string): number {
  const l = Number(limit);
  return l > 0 ? Math.min(100, Math.round((Number(used) / l) * 100)) : 0;
}
