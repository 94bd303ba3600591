import { qs } from '../../api/client';

/** The audit filter as the URL carries it (from/to as ISO instants) and the API takes it. */
export interface AuditFilter {
  from: string;
  to: string;
  actor: string;
  action: string;
  entity: string;
}

export const EMPTY_FILTER: AuditFilter = { from: '', to: '', actor: '', action: '', entity: '' };
const FIELDS = Object.keys(EMPTY_FILTER) as (keyof AuditFilter)[];

export function filterFromParams(params: URLSearchParams): AuditFilter {
  const f = { ...EMPTY_FILTER };
  for (const k of FIELDS) f[k] = params.get(k)?.trim() ?? '';
  return f;
}

/** Only the fields that are set, trimmed: for the URL, the search and the export link alike. */
export function filterParams(f: AuditFilter): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of FIELDS) {
    const v = f[k].trim();
    if (v) out[k] = v;
  }
  return out;
}

export const searchPath = (f: AuditFilter, cursor: string | null, limit = 50) =>
  `/api/audit${qs({ ...filterParams(f), cursor, limit })}`;
export const exportPath = (f: AuditFilter, format: 'csv' | 'jsonl') =>
  `/api/audit/export${qs({ format, ...filterParams(f) })}`;

const pad = (n: number) => String(n).padStart(2, '0');

/** ISO instant → the value of an <input type="datetime-local"> in the browser's time zone. */
export function toLocalInput(iso: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** <input type="datetime-local"> value (local time) → ISO instant, '' when empty or invalid. */
export function fromLocalInput(local: string): string {
  if (!local) return '';
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

/** A problem with the filter the operator can fix before asking the desk, or null. */
export function filterProblem(f: AuditFilter): { field: 'to'; message: string } | null {
  if (f.from && f.to && new Date(f.from) >= new Date(f.to))
    return { field: 'to', message: 'must be after "From"' };
  return null;
}

/** The event's own data as short `key: value` pairs (the full JSON is one click away). */
export function dataSummary(data: unknown, max = 4): string {
  if (data === null || data === undefined) return '';
  if (typeof data !== 'object') return JSON.stringify(data);
  const entries = Object.entries(data as Record<string, unknown>).filter(
    ([, v]) => v !== undefined && v !== null,
  );
  const shown = entries
    .slice(0, max)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return shown.join(' · ') + (entries.length > max ? ` · +${entries.length - max} more` : '');
}

/** Where an event's entity lives in the console, if anywhere. */
export function entityLink(type: string | null, id: string | null): string | null {
  if (!type || !id) return null;
  if (type === 'change_request') return `/approvals/${id}`;
  if (type === 'flag') return `/flags/${encodeURIComponent(id)}`;
  if (type === 'operator') return '/operators';
  return null;
}

/** Seconds → "42 s", "3 min 20 s", "2 h 5 min": time-to-decision statistics. */
export function seconds(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const s = Math.round(value);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${m % 60} min` : ''}`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export const KNOWN_ACTIONS = [
  'approval.filed',
  'approval.approved',
  'approval.cosigned',
  'approval.rejected',
  'approval.cancelled',
  'approval.expired',
  'approval.failed',
  'auth.login',
  'auth.login_failed',
  'auth.locked',
  'auth.logout',
  'auth.step_up',
  'auth.step_up_failed',
  'auth.mfa_enrolled',
  'auth.mfa_reenrolled',
  'flag.changed',
  'flag.changed_outside_api',
  'flag.review_opened',
  'flag.review_acknowledged',
  'operator.created',
  'operator.deactivated',
  'operator.role_granted',
  'operator.role_revoked',
  'operator.password_changed',
  'operator.telegram_link_code_issued',
  'operator.telegram_linked',
  'policy.changed',
  'audit.exported',
  'setup.completed',
];

export const KNOWN_ENTITIES = ['change_request', 'flag', 'flag_review', 'operator', 'operator_session'];

/** A person in the report: their email, else their id. */
export const who = (p: { email: string | null; id: string | null } | null) =>
  p ? (p.email ?? p.id ?? '—') : '—';

const OPEN = new Set(['pending', 'awaiting_secondary']);

/**
 * The co-sign column: who co-signed (only once they have), who rejected, or who is still awaited;
 * a named co-signer who never signed is said so, never listed as having co-signed.
 */
export function cosignCell(q: {
  status: string;
  secondary: { email: string | null; id: string | null; at: string | null } | null;
  rejection: { email: string | null; id: string | null } | null;
}): string {
  if (q.rejection) return `${who(q.rejection)} (rejected)`;
  if (!q.secondary) return '—';
  if (q.secondary.at) return `${who(q.secondary)} (co-signed)`;
  return OPEN.has(q.status)
    ? `Awaiting ${who(q.secondary)}`
    : `${who(q.secondary)} was named but did not co-sign`;
}
