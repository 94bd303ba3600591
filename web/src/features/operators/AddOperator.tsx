import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { ROLE_LABELS, ROLES, type ChangeRequest, type Role } from '../../api/types';
import { FieldError, FieldHint, FormError } from '../../components/FormError';
import { splitProblem } from '../../components/problems';
import { operatorsKey } from '../../components/useOperatorNames';

interface Created {
  operator: { id: string; email: string; name: string };
  roleRequests: ChangeRequest[];
}

const FIELDS = { email: ['email'], name: ['name'], password: ['password'], roles: ['roles'] } as const;
type Field = keyof typeof FIELDS;

/** A new operator starts with no role; one `operator.role` grant request is filed per role asked for. */
export function AddOperator({ onClose }: { onClose: () => void }) {
  const [form, setForm] = useState({ email: '', name: '', password: '' });
  const [roles, setRoles] = useState<Role[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<Created | null>(null);
  const client = useQueryClient();
  const refs = {
    email: useRef<HTMLInputElement>(null),
    name: useRef<HTMLInputElement>(null),
    password: useRef<HTMLInputElement>(null),
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
      setForm({ email: '', name: '', password: '' });
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
            <strong>{created.operator.name}</strong> ({created.operator.email}) was created with no role.{' '}
            {created.roleRequests.length === 0
              ? 'No role was requested: propose one from the list when needed.'
              : 'These role requests now need a platform admin to approve and a risk officer to co-sign:'}
          </p>
          {created.roleRequests.length > 0 && (
            <ul data-testid="role-requests">
              {created.roleRequests.map((r) => (
                <li key={r.id}>
                  <Link to={`/approvals/${r.id}`}>{r.summary}</Link>
                </li>
              ))}
            </ul>
          )}
          <p>
            Give them the temporary password over a separate channel; at first sign-in they enrol an
            authenticator app.
          </p>
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
        <label htmlFor="new-password">Temporary password</label>
        <input
          ref={refs.password}
          id="new-password"
          type="password"
          autoComplete="new-password"
          value={form.password}
          aria-invalid={problem.fields.password ? true : undefined}
          aria-describedby={described('password', true)}
          onChange={(e) => setForm({ ...form, password: e.target.value })}
        />
        <FieldHint id="new-password-hint">
          At least 12 characters, not the email. They can change it under My account.
        </FieldHint>
        <FieldError id="new-password-error" message={problem.fields.password} />
        <fieldset aria-describedby={described('roles', true)}>
          <legend>Roles to request</legend>
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
            No role is granted here: each one becomes a request under dual control.
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
