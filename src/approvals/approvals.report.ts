import { sql } from 'kysely';
import type { Executor } from '../shared/db.js';
import type { ApproverDirectory } from './approvals.ports.js';

/**
 * The regulators' approvals report: every request filed in a period with who asked, who decided,
 * why and when, plus time-to-decision per approver and how often the same two people approve requests
 * together as primary and co-signer (a collusion signal NIST AC-3(2) asks organisations to watch).
 */
export interface ReportPeriod {
  from: Date;
  to: Date;
}

export async function approvalsReport(db: Executor, directory: ApproverDirectory, period: ReportPeriod) {
  const rows = await db
    .selectFrom('change_requests')
    .selectAll()
    .where('created_at', '>=', period.from)
    .where('created_at', '<', period.to)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  // Operators are few: resolve names through the operators domain instead of joining its tables.
  const emails = new Map((await directory.listAll(db)).map((o) => [o.id, o.email]));
  const email = (id: string | null) => (id ? (emails.get(id) ?? null) : null);
  const requests = rows.map((r) => ({
    ...r,
    requester_email: r.requested_by_type === 'operator' ? email(r.requested_by_id) : null,
    primary_email: email(r.primary_approver_id),
    secondary_email: email(r.secondary_approver_id),
    rejected_by_email: email(r.rejected_by),
  }));

  const perApprover = await sql<{
    operator_id: string;
    step: string;
    decisions: string;
    median_seconds: number;
    p90_seconds: number;
  }>`
    with d as (
      select primary_approver_id as operator_id, 'primary' as step, extract(epoch from primary_at - created_at) as secs
        from change_requests where primary_at is not null and created_at >= ${period.from} and created_at < ${period.to}
      union all
      select secondary_approver_id, 'secondary', extract(epoch from secondary_at - primary_at)
        from change_requests where secondary_at is not null and created_at >= ${period.from} and created_at < ${period.to}
      union all
      select rejected_by, 'reject', extract(epoch from decided_at - coalesce(primary_at, created_at))
        from change_requests where rejected_by is not null and created_at >= ${period.from} and created_at < ${period.to}
    )
    select d.operator_id, d.step, count(*) as decisions,
           percentile_cont(0.5) within group (order by secs)::float8 as median_seconds,
           percentile_cont(0.9) within group (order by secs)::float8 as p90_seconds
      from d
     group by d.operator_id, d.step
     order by d.operator_id, d.step`.execute(db);

  const pairs = await sql<{ a_id: string; b_id: string; approved: string }>`
    select least(primary_approver_id, secondary_approver_id) as a_id,
           greatest(primary_approver_id, secondary_approver_id) as b_id, count(*) as approved
      from change_requests
     where status = 'approved' and created_at >= ${period.from} and created_at < ${period.to}
     group by 1, 2
     order by approved desc, 1, 2`.execute(db);

  const outcomes: Record<string, number> = {};
  for (const r of requests) outcomes[r.status] = (outcomes[r.status] ?? 0) + 1;

  return {
    period: { from: period.from.toISOString(), to: period.to.toISOString() },
    generatedAt: new Date().toISOString(),
    totals: { requests: requests.length, outcomes },
    requests: requests.map((r) => ({
      id: r.id,
      kind: r.kind,
      status: r.status,
      summary: r.summary,
      digest: r.digest,
      requester: { type: r.requested_by_type, id: r.requested_by_id, email: r.requester_email },
      note: r.note,
      createdAt: r.created_at.toISOString(),
      expiresAt: r.expires_at.toISOString(),
      primary: r.primary_approver_id
        ? {
            id: r.primary_approver_id,
            email: r.primary_email,
            reason: r.primary_reason,
            at: r.primary_at?.toISOString() ?? null,
          }
        : null,
      secondary: r.secondary_approver_id
        ? {
            id: r.secondary_approver_id,
            email: r.secondary_email,
            reason: r.secondary_reason,
            at: r.secondary_at?.toISOString() ?? null,
          }
        : null,
      rejection: r.rejected_by
        ? { id: r.rejected_by, email: r.rejected_by_email, reason: r.rejection_reason }
        : null,
      failureReason: r.failure_reason,
      decidedAt: r.decided_at?.toISOString() ?? null,
    })),
    statistics: {
      timeToDecision: perApprover.rows.map((s) => ({
        operatorId: s.operator_id,
        email: email(s.operator_id),
        step: s.step,
        decisions: Number(s.decisions),
        medianSeconds: seconds(s.median_seconds),
        p90Seconds: seconds(s.p90_seconds),
      })),
      pairs: pairs.rows.map((p) => ({
        a: { id: p.a_id, email: email(p.a_id) },
        b: { id: p.b_id, email: email(p.b_id) },
        approved: Number(p.approved),
      })),
    },
  };
}

export type ApprovalsReport = Awaited<ReturnType<typeof approvalsReport>>;

const CSV_COLUMNS = [
  'record',
  'id',
  'kind',
  'status',
  'summary',
  'digest',
  'requester',
  'created_at',
  'primary',
  'primary_reason',
  'primary_at',
  'secondary',
  'secondary_reason',
  'secondary_at',
  'rejected_by',
  'rejection_reason',
  'failure_reason',
  'decided_at',
  'operator',
  'step',
  'decisions',
  'median_seconds',
  'p90_seconds',
  'person_a',
  'person_b',
  'approved_together',
] as const;

const seconds = (s: number | null) => (s === null ? null : Math.round(s * 1000) / 1000);

const cell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  // A leading = + - @ would be a formula in a spreadsheet: neutralise it (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

/** One CSV table; the `record` column says whether a row is a request, an approver statistic or a pair. */
export function reportCsv(report: ApprovalsReport): string {
  const row = (values: Partial<Record<(typeof CSV_COLUMNS)[number], unknown>>) =>
    CSV_COLUMNS.map((c) => cell(values[c])).join(',');
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of report.requests) {
    lines.push(
      row({
        record: 'request',
        id: r.id,
        kind: r.kind,
        status: r.status,
        summary: r.summary,
        digest: r.digest,
        requester: r.requester.email ?? `${r.requester.type}:${r.requester.id ?? ''}`,
        created_at: r.createdAt,
        primary: r.primary?.email,
        primary_reason: r.primary?.reason,
        primary_at: r.primary?.at,
        secondary: r.secondary?.email,
        secondary_reason: r.secondary?.reason,
        secondary_at: r.secondary?.at,
        rejected_by: r.rejection?.email,
        rejection_reason: r.rejection?.reason,
        failure_reason: r.failureReason,
        decided_at: r.decidedAt,
      }),
    );
  }
  for (const s of report.statistics.timeToDecision) {
    lines.push(
      row({
        record: 'approver',
        id: s.operatorId,
        operator: s.email,
        step: s.step,
        decisions: s.decisions,
        median_seconds: seconds(s.medianSeconds),
        p90_seconds: seconds(s.p90Seconds),
      }),
    );
  }
  for (const p of report.statistics.pairs) {
    lines.push(
      row({ record: 'pair', person_a: p.a.email, person_b: p.b.email, approved_together: p.approved }),
    );
  }
  return lines.join('\n') + '\n';
}
