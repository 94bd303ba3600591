import { useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../../api/client';
import { errorMessage } from '../../api/messages';
import { ROLE_LABELS, ROLES, type ChangeRequest, type Policy, type Role } from '../../api/types';
import { useSession } from '../../app/session';
import { FieldError, FormError } from '../../components/FormError';
import { dateTime, STATUS_LABELS } from '../../components/format';
import { Filed } from '../clients/Filed';
import { useFile } from '../clients/useFile';
import { shortTime } from '../settlements/model';
import { FIELD_WORDS, fieldWords, type PolicyChange, type PolicyRow } from './model';
import { usePolicies } from './PoliciesPage';
import { FilingWarning } from '../../components/FilingWarning';

const FIELDS = ['primaryRoles', 'secondaryRoles', 'ttlSeconds', 'tiers'] as const;
const canon = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : x,
  );

function RolePicker(props: {
  legend: string;
  value: Role[];
  onChange: (v: Role[]) => void;
  id: string;
  error?: string;
}) {
  return (
    <fieldset aria-describedby={props.error ? `${props.id}-error` : undefined}>
      <legend>{props.legend}</legend>
      <div className="checks">
        {ROLES.map((r) => (
          <label key={r}>
            <input
              type="checkbox"
              checked={props.value.includes(r)}
              onChange={(e) =>
                props.onChange(e.target.checked ? [...props.value, r] : props.value.filter((x) => x !== r))
              }
            />
            {ROLE_LABELS[r]}
          </label>
        ))}
      </div>
      <FieldError id={`${props.id}-error`} message={props.error} />
    </fieldset>
  );
}

/** The `policy.set` form: the proposed policy, its before/after diff as it is typed, then the request. */
function ChangeForm({ policy }: { policy: PolicyRow }) {
  const [primary, setPrimary] = useState<Role[]>(policy.primaryRoles);
  const [secondary, setSecondary] = useState<Role[]>(policy.secondaryRoles);
  const [hours, setHours] = useState(String(policy.ttlSeconds / 3600));
  const [tiersText, setTiersText] = useState(JSON.stringify(policy.tiers, null, 2));
  const [note, setNote] = useState('');
  const file = useFile<ChangeRequest>();
  let tiers: Policy['tiers'] | null = null;
  let tiersError: string | undefined;
  try {
    const parsed: unknown = JSON.parse(tiersText || '[]');
    if (Array.isArray(parsed)) tiers = parsed as Policy['tiers'];
    else tiersError = 'Tiers are a JSON list, [] for none.';
  } catch {
    tiersError =
      'This is not valid JSON: tiers are a list like [{"name": …, "when": …, "secondaryRoles": […]}].';
  }
  const ttlSeconds = Math.round(Number(hours) * 3600);
  const errors = {
    primary: primary.length ? undefined : 'Choose at least one role.',
    secondary: secondary.length ? undefined : 'Choose at least one role.',
    ttl:
      Number.isFinite(ttlSeconds) && ttlSeconds >= 60 && ttlSeconds <= 30 * 86_400
        ? undefined
        : 'Between 1 minute (0.0167) and 720 hours.',
    tiers: tiersError,
  };
  const proposed = { primaryRoles: primary, secondaryRoles: secondary, ttlSeconds, tiers: tiers ?? [] };
  const diff = FIELDS.filter((f) => canon(policy[f]) !== canon(proposed[f]));
  const [tried, setTried] = useState(false);
  const shown = tried ? errors : { ...errors, primary: undefined, secondary: undefined, ttl: undefined };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (Object.values(errors).some(Boolean) || diff.length === 0) return;
    await file.run(() =>
      api.post<ChangeRequest>('/api/approvals', {
        kind: 'policy.set',
        payload: { kind: policy.kind, ...proposed },
        ...(note.trim() ? { note: note.trim() } : {}),
      }),
    );
  };

  return (
    <form className="card" onSubmit={(e) => void submit(e)} noValidate aria-label="Request a policy change">
      <h2>Request a change</h2>
      <RolePicker
        legend="Primary approvers"
        id="policy-primary"
        value={primary}
        onChange={setPrimary}
        error={shown.primary}
      />
      <RolePicker
        legend="Co-signers"
        id="policy-secondary"
        value={secondary}
        onChange={setSecondary}
        error={shown.secondary}
      />
      <label htmlFor="policy-ttl">Expires after (hours)</label>
      <input id="policy-ttl" inputMode="decimal" value={hours} onChange={(e) => setHours(e.target.value)} />
      <FieldError id="policy-ttl-error" message={shown.ttl} />
      <label htmlFor="policy-tiers">Tiers (JSON)</label>
      <textarea
        id="policy-tiers"
        rows={5}
        spellCheck={false}
        className="mono-small"
        value={tiersText}
        onChange={(e) => setTiersText(e.target.value)}
      />
      <FieldError id="policy-tiers-error" message={shown.tiers} />
      <h3>Before and after</h3>
      {diff.length === 0 ? (
        <p className="muted-text" data-testid="policy-diff-empty">
          Nothing changed yet.
        </p>
      ) : (
        <table className="data" data-testid="policy-diff">
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Now</th>
              <th scope="col">Proposed</th>
            </tr>
          </thead>
          <tbody>
            {diff.map((f) => (
              <tr key={f}>
                <td>{FIELD_WORDS[f]}</td>
                <td>{fieldWords(f, policy[f])}</td>
                <td>
                  <strong>{fieldWords(f, proposed[f])}</strong>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <label htmlFor="policy-note">Note for the approvers (optional)</label>
      <input id="policy-note" value={note} maxLength={2000} onChange={(e) => setNote(e.target.value)} />
      <FilingWarning kind="policy.set" />
      <FormError error={file.error} />
      {file.done ? (
        <Filed id={file.done.id} what="Policy change requested." />
      ) : (
        <button type="submit" disabled={file.busy || diff.length === 0}>
          {file.busy ? 'Filing…' : 'Request this policy'}
        </button>
      )}
    </form>
  );
}

/** One kind's policy, its history of `policy.set` requests, and the form to ask for a change. */
export function PolicyPage() {
  const { kind = '' } = useParams();
  const { can } = useSession();
  const policies = usePolicies();
  const history = useQuery({
    queryKey: ['approvals', 'policy-history', kind],
    queryFn: () =>
      api.get<{ items: PolicyChange[] }>(`/api/approvals/policies/${encodeURIComponent(kind)}/history`),
  });
  const policy = policies.data?.items.find((p) => p.kind === kind);
  return (
    <div className="screen policy-page">
      <p className="crumbs">
        <Link to="/policies">← Policies</Link>
      </p>
      <h1>
        Policy of <code>{kind}</code>
      </h1>
      {policies.isError && <p className="form-error">{errorMessage(policies.error)}</p>}
      {policies.data && !policy && <p className="empty">There is no policy for this kind.</p>}
      {policy && (
        <div className="columns">
          <div>
            <section className="card" data-testid="policy-current">
              <h2>Now (version {policy.version})</h2>
              <dl className="facts">
                {FIELDS.map((f) => (
                  <Fragment key={f}>
                    <dt>{FIELD_WORDS[f]}</dt>
                    <dd>{fieldWords(f, policy[f])}</dd>
                  </Fragment>
                ))}
              </dl>
              <p className="field-hint">Last changed {dateTime(policy.updatedAt)}.</p>
            </section>
            <section className="card" data-testid="policy-history">
              <h2>History</h2>
              {history.data?.items.length === 0 && (
                <p className="muted-text">Never changed through a request.</p>
              )}
              <ul className="address-list">
                {history.data?.items.map((h) => (
                  <li key={h.id} data-testid="policy-change" data-status={h.status}>
                    <span className={`status ${h.status}`}>{STATUS_LABELS[h.status] ?? h.status}</span>{' '}
                    <Link to={`/approvals/${h.id}`}>
                      {h.diff.map((d) => FIELD_WORDS[d.field] ?? d.field).join(', ')}
                    </Link>
                    <div className="field-hint">
                      Filed by {h.requestedBy ?? 'the desk'} {shortTime(h.createdAt)}
                      {h.note && <> · “{h.note}”</>}
                    </div>
                  </li>
                ))}
              </ul>
            </section>
          </div>
          <div>{can('approvals:request') && <ChangeForm policy={policy} key={policy.version} />}</div>
        </div>
      )}
    </div>
  );
}
