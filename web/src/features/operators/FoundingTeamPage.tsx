import { useQueries, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { errorMessage } from '../../api/messages';
import { ROLE_LABELS, type OperatorListItem } from '../../api/types';
import { useSession } from '../../app/session';
import { filingWarningText, type Eligibility } from '../../components/FilingWarning';
import { FormError } from '../../components/FormError';
import { dateTime } from '../../components/format';
import { useBootstrap } from '../../components/useBootstrap';
import { operatorsKey, useOperatorList } from '../../components/useOperatorNames';
import { kindLabel } from '../approvals/model';
import { EndBootstrap } from './EndBootstrap';
import { FOUNDER_STATE_LABELS, founderState } from './founding';
import { FoundingInvite, type Invited } from './FoundingInvite';

interface HandOver {
  url: string;
  expiresAt: string;
}

/** The requests a founding team should be able to decide, checked against who has enrolled. */
const CHECKED_KINDS = ['operator.role', 'flag.set', 'policy.set', 'client.access', 'client.limits'];

/** One invited person: roles, where they stand, and the link to hand over while it is unused. */
function Founder({ o, link, onReissue }: { o: OperatorListItem; link?: HandOver; onReissue: () => void }) {
  const state = founderState(o);
  const [copied, setCopied] = useState(false);
  const copy = async (url: string) => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      setCopied(false); // no clipboard (plain http): the link stays selectable in the field
    }
  };
  return (
    <li className="founder" data-testid={`founder-${o.email}`}>
      <div className="founder-head">
        <div>
          <strong>{o.name}</strong> <span className="muted-text">{o.email}</span>
        </div>
        <span className={`founder-state ${state}`} data-testid="founder-state">
          {FOUNDER_STATE_LABELS[state]}
        </span>
      </div>
      <div>
        {o.roles.length === 0 && <span className="muted-text">no role</span>}
        {o.roles.map((r) => (
          <span key={r} className="role-chip">
            {ROLE_LABELS[r]}
          </span>
        ))}
      </div>
      {link && state === 'invited' && (
        <div className="invite-link">
          <label htmlFor={`link-${o.id}`}>
            Invitation link for {o.name}: give it to them yourself, over a separate channel. It works once,
            until {dateTime(link.expiresAt)}.
          </label>
          <div className="copy-row">
            <input
              id={`link-${o.id}`}
              readOnly
              value={link.url}
              data-testid="invitation-url"
              onFocus={(e) => e.currentTarget.select()}
            />
            <button type="button" className="secondary" onClick={() => void copy(link.url)}>
              {copied ? 'Copied' : 'Copy link'}
            </button>
          </div>
        </div>
      )}
      {(state === 'expired' || (state === 'invited' && !link)) && (
        <p className="field-hint">
          {state === 'invited' ? 'The link was shown when they were invited. ' : ''}
          <button type="button" className="link" onClick={onReissue}>
            Make a new link
          </button>{' '}
          (the old one stops working).
        </p>
      )}
    </li>
  );
}

/**
 * First run, after the setup admin's own password and MFA: invite the founding team with their roles
 * (the bootstrap), hand each person their own link, watch them enrol, then end the bootstrap. After
 * it, roles need two people and this page says where to ask for them.
 */
export function FoundingTeamPage() {
  const { me } = useSession();
  const bootstrap = useBootstrap();
  const list = useOperatorList();
  const client = useQueryClient();
  const [links, setLinks] = useState<Record<string, HandOver>>({});
  const [error, setError] = useState<unknown>(null);
  const checks = useQueries({
    queries: CHECKED_KINDS.map((kind) => ({
      queryKey: ['approvals', 'eligibility', kind],
      queryFn: () => api.get<Eligibility>(`/api/approvals/policies/${kind}/eligibility`),
    })),
  });

  const remember = (id: string, link: HandOver) => setLinks((l) => ({ ...l, [id]: link }));
  const invited = (i: Invited) => remember(i.operator.id, i.invitation);
  const reissue = async (o: OperatorListItem) => {
    setError(null);
    try {
      const res = await api.post<{ invitation: HandOver }>(`/api/operators/${o.id}/invitation`, {});
      remember(o.id, res.invitation);
      await client.invalidateQueries({ queryKey: operatorsKey });
    } catch (err) {
      setError(err);
    }
  };

  const active = bootstrap.data?.active;
  const others = (list.data?.operators ?? []).filter((o) => o.id !== me?.id && o.status === 'active');
  return (
    <div className="screen founding-page">
      <h1>Founding team</h1>
      {bootstrap.isError && <FormError error={bootstrap.error} />}
      {active === true && (
        <p className="lede">
          Every change on this desk needs two people: one approves, another co-signs, and nobody decides their
          own request. While the desk is new (its <strong>bootstrap</strong>) you give the first people their
          roles directly. Each of them opens their own link, chooses their own password and enrols their own
          authenticator app: you never know their credentials.
        </p>
      )}
      {active === false && bootstrap.data && (
        <div className="notice" role="status" data-testid="bootstrap-over">
          <p>
            <strong>The bootstrap is over</strong> (
            {bootstrap.data.endedBy === 'first_decision'
              ? 'the first change request was decided'
              : `ended: ${bootstrap.data.reason ?? ''}`}
            {bootstrap.data.endedAt ? `, ${dateTime(bootstrap.data.endedAt)}` : ''}).
          </p>
          <p>
            Roles now need two people: a platform admin approves a role request and a risk officer co-signs
            it. To give someone a role, open <Link to="/operators">Operators</Link> and choose <em>Roles…</em>{' '}
            on their row.
          </p>
        </div>
      )}
      {bootstrap.data && <FoundingInvite withRoles={active === true} onInvited={invited} />}
      <section className="card" aria-labelledby="founders-title">
        <h2 id="founders-title">People invited</h2>
        {list.isError && <p className="form-error">{errorMessage(list.error)}</p>}
        {list.data && others.length === 0 && <p className="muted-text">Nobody yet besides you.</p>}
        <ul className="founders">
          {others.map((o) => (
            <Founder key={o.id} o={o} link={links[o.id]} onReissue={() => void reissue(o)} />
          ))}
        </ul>
        <FormError error={error} />
      </section>
      <section className="card" aria-labelledby="decidable-title">
        <h2 id="decidable-title">What the desk can decide with the people enrolled now</h2>
        <ul className="decidable" data-testid="decidable">
          {CHECKED_KINDS.map((kind, i) => {
            const d = checks[i]?.data;
            return (
              <li key={kind}>
                <span>{kindLabel(kind)}</span>{' '}
                {!d ? (
                  <span className="muted-text">…</span>
                ) : d.decidable ? (
                  <span className="yes">✓ can be decided</span>
                ) : (
                  <span className="no">{filingWarningText(d)}</span>
                )}
              </li>
            );
          })}
        </ul>
      </section>
      {active === true && <EndBootstrap />}
    </div>
  );
}
