import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import { ROLE_LABELS, ROLES, type Role } from '../../api/types';
import { FieldError, FieldHint, FormError } from '../../components/FormError';
import { splitProblem } from '../../components/problems';
import { operatorsKey } from '../../components/useOperatorNames';

interface Created {
  operator: { id: string; email: string; name: string; roles: Role[] };
  invitation: { url: string; expiresAt: string };
  grant: 'none' | 'bootstrap' | 'break-glass';
}

const FIELDS = { email: ['email'], name: ['name'], roles: ['roles'] } as const;
type Field = keyof typeof FIELDS;

/**
 * A new operator gets a one-time invitation: they set their own password and enrol their own MFA, so
 * whoever creates the account never holds its credentials. Roles are granted here only during the
 * bootstrap (the founding team); afterwards the API refuses them (BOOTSTRAP_OVER) and a role is an
 * `operator.role` request filed once the person has enrolled.
 */
export function AddOperator({ onClose }: { onClose: () => void }) {
  const [form, setForm] = useState({ email: '', name: '' });
  const [roles, setRoles] = useState<Role[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<Created | null>(null);
  const client = useQueryClient();
  const refs = {
    email: useRef<HTMLInputElement>(null),
    name: useRef<HTMLInputElement>(null),
    roles: useRef<HTMLInputElement>(null),
  };
  const problem = splitProblem<Field>(error, FIELDS);
  const firstInput = useRef<HTMLInputElement>(null);

  useEffect(() => firstInput.current?.focus(), []);
  useEffect(() => {
    if (problem.first) refs[problem.first].current?.focus();
  }, [error]); // once per refusal

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await api.post<Created>('/api/operators', { ...form, roles });
      setCreated(res);
      setForm({ email: '', name: '' });
      setRoles([]);
      await Promise.all([
        client.invalidateQueries({ queryKey: operatorsKey }),
        client.invalidateQueries({ queryKey: ['approvals'] }),
      ]);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const described = (f: Field, hint?: boolean) =>
    [hint ? `new-${f}-hint` : '', problem.fields[f] ? `new-${f}-error` : ''].filter(Boolean).join(' ') ||
    undefined;

  return (
    <section className="card" aria-labelledby="add-title">
      <h2 id="add-title">Add an operator</h2>
      {created && (
        <div className="notice" role="status" data-testid="created-operator">
          <p>
            <strong>{created.operator.name}</strong> ({created.operator.email}) was created
            {created.grant === 'bootstrap'
              ? ` as part of the founding team, with ${created.operator.roles.map((r) => ROLE_LABELS[r]).join(', ')}.`
              : ' with no role: once they have enrolled, propose one from the list (dual control).'}
          </p>
          <p>
            Send them this one-time invitation over a separate channel. It works once and expires{' '}
            {new Date(created.invitation.expiresAt).toUTCString()}; through it they choose their own password
            and enrol their own authenticator app.
          </p>
          <input
            readOnly
            aria-label="Invitation link"
            data-testid="invitation-url"
            value={created.invitation.url}
            onFocus={(e) => e.currentTarget.select()}
          />
        </div>
      )}
      <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="add-title">
        <div className="form-grid">
          <div>
            <label htmlFor="new-name">Name</label>
            <input
              ref={(el) => {
                firstInput.current = el;
                refs.name.current = el;
              }}
              id="new-name"
              autoComplete="off"
              value={form.name}
              aria-invalid={problem.fields.name ? true : undefined}
              aria-describedby={described('name')}
              onChange={(e) => setForm({ ...form, name: e.target.value })}
            />
            <FieldError id="new-name-error" message={problem.fields.name} />
          </div>
          <div>
            <label htmlFor="new-email">Email</label>
            <input
              ref={refs.email}
              id="new-email"
              type="email"
              autoComplete="off"
              value={form.email}
              aria-invalid={problem.fields.email ? true : undefined}
              aria-describedby={described('email')}
              onChange={(e) => setForm({ ...form, email: e.target.value })}
            />
            <FieldError id="new-email-error" message={problem.fields.email} />
          </div>
        </div>
        <fieldset aria-describedby={described('roles', true)}>
          <legend>Roles (founding team only)</legend>
          <div className="checks">
            {ROLES.map((r, i) => (
              <label key={r}>
                <input
                  ref={i === 0 ? refs.roles : undefined}
                  type="checkbox"
                  checked={roles.includes(r)}
                  onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))}
                />
                {ROLE_LABELS[r]}
              </label>
            ))}
          </div>
          <FieldHint id="new-roles-hint">
            Granted at once only while the desk is in its bootstrap (nothing decided yet). After that, roles
            come only from co-signed requests, filed once the person has enrolled.
          </FieldHint>
          <FieldError id="new-roles-error" message={problem.fields.roles} />
        </fieldset>
        <FormError error={problem.form} />
        <div className="actions">
          <button type="button" className="secondary" onClick={onClose}>
            Close
          </button>
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create operator'}
          </button>
        </div>
      </form>
    </section>
  );
}
