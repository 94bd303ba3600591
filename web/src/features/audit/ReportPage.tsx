import { useQuery } from '@tanstack/react-query';
import { cosignCell, who } from './model';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, qs } from '../../api/client';
import { errorMessage } from '../../api/messages';
import { FieldError } from '../../components/FormError';
import { dateTime, STATUS_LABELS } from '../../components/format';
import { AuditTabs } from './AuditTabs';
import { seconds } from './model';

interface ReportPerson {
  id: string;
  email: string | null;
}

export interface ApprovalsReport {
  period: { from: string; to: string };
  generatedAt: string;
  totals: { requests: number; outcomes: Record<string, number> };
  requests: {
    id: string;
    kind: string;
    status: string;
    summary: string;
    requester: { type: string; id: string | null; email: string | null };
    createdAt: string;
    primary: (ReportPerson & { reason: string | null; at: string | null }) | null;
    secondary: (ReportPerson & { reason: string | null; at: string | null }) | null;
    rejection: (ReportPerson & { reason: string | null }) | null;
    decidedAt: string | null;
  }[];
  statistics: {
    timeToDecision: {
      operatorId: string;
      email: string | null;
      step: string;
      decisions: number;
      medianSeconds: number;
      p90Seconds: number;
    }[];
    pairs: { a: ReportPerson; b: ReportPerson; approved: number }[];
  };
}

const STEP_LABELS: Record<string, string> = {
  primary: 'Approve (primary)',
  secondary: 'Co-sign',
  reject: 'Reject',
};
/** Two people approving this many of each other's requests in one period is worth a look. */
export const PAIR_WATCH = 3;

const pad = (n: number) => String(n).padStart(2, '0');
const localDate = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** The report's period from two local dates, the end date included: [from 00:00, to + 1 day 00:00). */
export function periodOf(fromDate: string, toDate: string): { from: string; to: string } | null {
  const from = new Date(`${fromDate}T00:00`);
  const to = new Date(`${toDate}T00:00`);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) return null;
  to.setDate(to.getDate() + 1);
  return { from: from.toISOString(), to: to.toISOString() };
}

function defaults() {
  const today = new Date();
  const start = new Date(today);
  start.setDate(start.getDate() - 29);
  return { from: localDate(start), to: localDate(today) };
}

const day = (d: string) => new Date(`${d}T00:00`).toLocaleDateString(undefined, { dateStyle: 'medium' });

/** The regulators' approvals report: every request in a period, time to decision per approver, and pairs. */
export function ReportPage() {
  const [params, setParams] = useSearchParams();
  const initial = defaults();
  const applied = { from: params.get('from') ?? initial.from, to: params.get('to') ?? initial.to };
  const [draft, setDraft] = useState(applied);
  const [problem, setProblem] = useState<string | undefined>();
  const period = periodOf(applied.from, applied.to);
  const report = useQuery({
    queryKey: ['approvals', 'report', period],
    queryFn: () => api.get<ApprovalsReport>(`/api/approvals/report${qs({ ...period, format: 'json' })}`),
    enabled: period !== null && period.from < period.to,
  });

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const p = periodOf(draft.from, draft.to);
    if (!p || p.from >= p.to) {
      setProblem(p ? 'must be on or after the start date' : 'pick both dates');
      return;
    }
    setProblem(undefined);
    setParams(draft);
  };

  const r = report.data;
  const csv = period ? `/api/approvals/report${qs({ ...period, format: 'csv' })}` : null;
  return (
    <div className="screen audit-page report-page">
      <h1>Audit trail</h1>
      <AuditTabs />
      <form className="report-form" onSubmit={submit} noValidate aria-label="Report period">
        <div>
          <label htmlFor="report-from">From</label>
          <input
            id="report-from"
            type="date"
            value={draft.from}
            onChange={(e) => setDraft({ ...draft, from: e.target.value })}
          />
        </div>
        <div>
          <label htmlFor="report-to">To (included)</label>
          <input
            id="report-to"
            type="date"
            value={draft.to}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? 'report-to-error' : undefined}
            onChange={(e) => setDraft({ ...draft, to: e.target.value })}
          />
          <FieldError id="report-to-error" message={problem} />
        </div>
        <button type="submit">Show report</button>
        {csv && (
          <a className="button secondary" href={csv} download data-testid="report-csv">
            Download CSV
          </a>
        )}
      </form>

      {report.isLoading && (
        <p className="loading" role="status">
          Building the report…
        </p>
      )}
      {report.isError && (
        <p className="form-error" role="alert">
          {errorMessage(report.error)}
        </p>
      )}
      {r && (
        <>
          <div className="stats" data-testid="report-totals">
            <div className="stat">
              <span className="n">{r.totals.requests}</span>
              <span className="l">requests filed</span>
            </div>
            {Object.entries(r.totals.outcomes).map(([status, n]) => (
              <div className="stat" key={status}>
                <span className="n">{n}</span>
                <span className="l">{(STATUS_LABELS[status] ?? status).toLowerCase()}</span>
              </div>
            ))}
          </div>

          <div className="columns">
            <section className="card" aria-labelledby="ttd-title">
              <h2 id="ttd-title">Time to decision, per approver</h2>
              <p className="form-intro">
                From filing to the primary decision, and from it to the co-sign; median and 90th percentile.
              </p>
              {r.statistics.timeToDecision.length === 0 ? (
                <p className="muted-text">Nobody decided a request filed in this period.</p>
              ) : (
                <table className="data" data-testid="time-to-decision">
                  <thead>
                    <tr>
                      <th scope="col">Approver</th>
                      <th scope="col">Step</th>
                      <th scope="col">Decisions</th>
                      <th scope="col">Median</th>
                      <th scope="col">p90</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.statistics.timeToDecision.map((s) => (
                      <tr key={`${s.operatorId}-${s.step}`}>
                        <td>{s.email ?? s.operatorId}</td>
                        <td>{STEP_LABELS[s.step] ?? s.step}</td>
                        <td>{s.decisions}</td>
                        <td>{seconds(s.medianSeconds)}</td>
                        <td>{seconds(s.p90Seconds)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
            <section className="card" aria-labelledby="pairs-title">
              <h2 id="pairs-title">Who approves with whom</h2>
              <p className="form-intro">
                Pairs of primary approver and co-signer on approved requests. The same two people approving
                many requests together is a collusion signal (highlighted from {PAIR_WATCH}).
              </p>
              {r.statistics.pairs.length === 0 ? (
                <p className="muted-text">No request filed in this period was approved.</p>
              ) : (
                <table className="data" data-testid="pairs">
                  <thead>
                    <tr>
                      <th scope="col">Approver</th>
                      <th scope="col">With</th>
                      <th scope="col">Approved together</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.statistics.pairs.map((p) => (
                      <tr
                        key={`${p.a.id}-${p.b.id}`}
                        className={p.approved >= PAIR_WATCH ? 'watch' : undefined}
                      >
                        <td>{who(p.a)}</td>
                        <td>{who(p.b)}</td>
                        <td>{p.approved}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
          </div>

          <section className="card" aria-labelledby="requests-title">
            <h2 id="requests-title">
              Requests filed {day(applied.from)} – {day(applied.to)}
            </h2>
            {r.requests.length === 0 ? (
              <p className="muted-text">No request was filed in this period.</p>
            ) : (
              <table className="data" data-testid="report-requests">
                <thead>
                  <tr>
                    <th scope="col">Filed</th>
                    <th scope="col">Request</th>
                    <th scope="col">Status</th>
                    <th scope="col">Requested by</th>
                    <th scope="col">Approved by</th>
                    <th scope="col">Co-sign</th>
                  </tr>
                </thead>
                <tbody>
                  {r.requests.map((q) => (
                    <tr key={q.id}>
                      <td className="nowrap">{dateTime(q.createdAt)}</td>
                      <td>
                        <Link to={`/approvals/${q.id}`}>{q.summary}</Link>
                        <div className="field-hint">{q.kind}</div>
                      </td>
                      <td>
                        <span className={`status ${q.status}`}>{STATUS_LABELS[q.status] ?? q.status}</span>
                      </td>
                      <td>{q.requester.email ?? q.requester.type}</td>
                      <td>{who(q.primary)}</td>
                      <td>{cosignCell(q)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <p className="field-hint">
              Generated {dateTime(r.generatedAt)}. The CSV holds the same rows with every reason and
              timestamp.
            </p>
          </section>
        </>
      )}
    </div>
  );
}
