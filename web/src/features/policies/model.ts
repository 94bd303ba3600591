import { ROLE_LABELS, type Policy, type Role } from '../../api/types';

export type PolicyRow = Policy & { version: number; updatedAt: string };

export interface PolicyChange {
  id: string;
  status: string;
  summary: string;
  diff: { field: string; before: unknown; after: unknown }[];
  note: string | null;
  requestedBy: string | null;
  createdAt: string;
  decidedAt: string | null;
}

export const roles = (rs: readonly Role[]) => rs.map((r) => ROLE_LABELS[r] ?? r).join(', ') || '—';

/** "24 h", "3 d", "90 min": a TTL as people read it. */
export function ttl(seconds: number): string {
  if (seconds % 86_400 === 0 && seconds > 86_400) return `${seconds / 86_400} d`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600} h`;
  return `${Math.round(seconds / 60)} min`;
}

const OPS: Record<string, string> = { gt: '>', gte: '≥', lt: '<', lte: '≤', eq: '=' };
export const tierWords = (t: Policy['tiers'][number]) =>
  `${t.name}: when ${t.when.path} ${OPS[t.when.op] ?? t.when.op} ${t.when.value}, co-signed by ${roles(t.secondaryRoles)}`;

export const FIELD_WORDS: Record<string, string> = {
  primaryRoles: 'Primary approvers',
  secondaryRoles: 'Co-signers',
  ttlSeconds: 'Expires after',
  tiers: 'Tiers',
};

/** A field's value in words, for the before/after diff. */
export function fieldWords(field: string, v: unknown): string {
  if (field === 'ttlSeconds' && typeof v === 'number') return ttl(v);
  if ((field === 'primaryRoles' || field === 'secondaryRoles') && Array.isArray(v)) return roles(v as Role[]);
  if (field === 'tiers' && Array.isArray(v))
    return v.length ? (v as Policy['tiers']).map(tierWords).join('; ') : 'none';
  return JSON.stringify(v);
}
