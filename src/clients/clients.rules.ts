import type { ClientStatus } from './clients.tables.js';

/** What a client tells us when applying; every field is shown to approvers (escaped), never trusted. */
export interface ClientProfile {
  name: string;
  company: string;
  country: string;
  monthlyVolume: string;
}

export type AccessAction = 'grant' | 'suspend' | 'reinstate';

/** The expected monthly volume is a bracket chosen from buttons, not an amount: nothing to parse. */
export const VOLUME_BRACKETS = ['under 100k USDT', '100k–1M USDT', '1M–10M USDT', 'over 10M USDT'] as const;

const PROFILE_LIMITS = { name: [2, 100], company: [1, 120], country: [2, 60] } as const;

/** The status a `client.access` action moves a client from, and to. */
export const ACCESS_TRANSITIONS: Record<AccessAction, { from: ClientStatus; to: ClientStatus }> = {
  grant: { from: 'pending', to: 'active' },
  suspend: { from: 'active', to: 'suspended' },
  reinstate: { from: 'suspended', to: 'active' },
};

/** Trims, collapses whitespace and drops control characters; returns null when out of bounds. */
export function cleanProfileField(field: keyof typeof PROFILE_LIMITS, raw: string): string | null {
  const value = raw
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const [min, max] = PROFILE_LIMITS[field];
  return value.length >= min && value.length <= max ? value : null;
}

/** Why the action cannot apply to a client in `status`, or null when it can. */
export function accessRefusal(action: AccessAction, status: ClientStatus): string | null {
  const t = ACCESS_TRANSITIONS[action];
  if (status === t.from) return null;
  if (status === t.to) return `the client is already ${status}`;
  return `a ${status} client cannot be ${action === 'grant' ? 'granted access' : action === 'suspend' ? 'suspended' : 'reinstated'}`;
}

export const canTrade = (status: ClientStatus) => status === 'active';
