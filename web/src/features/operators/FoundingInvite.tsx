import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import { ROLE_LABELS, ROLES, type Role } from '../../api/types';
import { FieldError, FieldHint, FormError } from '../../components/FormError';
import { splitProblem } from '../../components/problems';
import { bootstrapKey } from '../../components/useBootstrap';
import { operatorsKey } from '../../components/useOperatorNames';
import { ROLE_DUTIES } from './founding';

export interface Invited {
  operator: { id: string; email: string; name: string; roles: Role[] };
  invitation: { url: string; expiresAt: string };
  grant: 'none' | 'bootstrap' | 'break-glass';
}

const FIELDS = { name: ['name'], email: ['email'], roles: ['roles'] } as const;
type Field = keyof typeof FIELDS;

/**
 * Invites one person (POST /api/operators). While the bootstrap lasts the roles ticked here are granted
 * at once (audited as bootstrap grants, the CLI's rule); after it the form asks for no role.
 */
export function FoundingInvite({
  withRoles,
  onInvited,
}: {
  withRoles: boolean;
  onInvited: (i: Invited) => void;
}) {
  const [form, setForm] = useState({ name: '', email: '' });
  const [roles, setRoles] = useState<Role[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [last, setLast] = useState<Invited | null>(null);
  const client = useQueryClient();
  const refs = {
    name: useRef<HTMLInputElement>(null),
    email: useRef<HTMLInputElement>(null),
    roles: useRef<HTMLInputElement>(null),
  };
  const problem = splitProblem<Field>(error, FIELDS);
  useEffect(() => {
    if (problem.first) refs[problem.first].current?.focus();
  }, [error]); // once per refusal

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setLast(null);
    try {
      const res = await api.post<Invited>('/api/operators', { ...form, roles: withRoles ? roles : [] });
      onInvited(res);
      setLast(res);
      setForm({ name: '', email: '' });
      setRoles([]);
      refs.name.current?.focus();
      await client.invalidateQueries({ queryKey: operatorsKey });
    } catch (err) {
      setError(err);
      // BOOTSTRAP_OVER: the bootstrap ended meanwhile (someone decided a request); show it.
      void client.invalidateQueries({ queryKey: bootstrapKey });
    } finally {
      setBusy(false);
    }
  };

  const input = (f: 'name' | 'email') => ({
    ref: refs[f],
    id: `founder-${f}`,
    value: form[f],
    autoComplete: 'off',
    'aria-invalid': problem.fields[f] ? true : undefined,
    'aria-describedby': problem.fields[f] ? `founder-${f}-error` : undefined,
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [f]: e.target.value }),
  });
  return (
    <form
      className="card founding-invite"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby="invite-heading"
    >
      <h2 id="invite-heading">Invite a person</h2>
      <div className="form-grid">
        <div>
          <label htmlFor="founder-name">Name</label>
          <input {...input('name')} />
          <FieldError id="founder-name-error" message={problem.fields.name} />
        </div>
        <div>
          <label htmlFor="founder-email">Email</label>
          <input {...input('email')} type="email" />
          <FieldError id="founder-email-error" message={problem.fields.email} />
        </div>
      </div>
      {withRoles ? (
        <fieldset aria-describedby="founder-roles-hint">
          <legend>Roles</legend>
          <div className="role-choices">
            {ROLES.map((r, i) => (
              <label key={r}>
                <input
                  ref={i === 0 ? refs.roles : undefined}
                  type="checkbox"
                  checked={roles.includes(r)}
                  onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))}
                />
                <span>
                  <strong>{ROLE_LABELS[r]}</strong> <span className="muted-text">{ROLE_DUTIES[r]}</span>
                </span>
              </label>
            ))}
          </div>
          <FieldHint id="founder-roles-hint">
            Granted now, as part of the bootstrap, and recorded in the audit trail as such.
          </FieldHint>
          <FieldError id="founder-roles-error" message={problem.fields.roles} />
        </fieldset>
      ) : (
        <p className="field-hint">
          They start without a role. Once they have enrolled, propose one on the Operators page: a platform
          admin approves it and a risk officer co-signs it.
        </p>
      )}
      <FormError error={problem.form} />
      {last && (
        <p className="notice" role="status" data-testid="invited">
          <strong>{last.operator.name}</strong> is invited
          {last.operator.roles.length > 0
            ? ` as ${last.operator.roles.map((r) => ROLE_LABELS[r]).join(' and ')}`
            : ''}
          . Their link is under <em>People invited</em>: hand it to them yourself.
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Inviting…' : 'Invite'}
        </button>
      </div>
    </form>
  );
}
