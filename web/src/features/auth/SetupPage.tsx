import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { withNext } from '../../app/nextPage';
import { api } from '../../api/client';
import { FieldError, FieldHint, FormError } from '../../components/FormError';
import { splitProblem } from '../../components/problems';

/** Where the first admin goes once their own MFA is enrolled: inviting the founding team. */
export const AFTER_SETUP = '/founding-team';

const FIELDS = { name: ['name'], email: ['email'], password: ['password'] } as const;
type Field = keyof typeof FIELDS;

/**
 * First run: the one-time setup link creates the first platform_admin, signs them in with the password
 * just chosen, and sends them on to enrol their own authenticator and then to the founding team.
 */
export function SetupPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [form, setForm] = useState({ email: '', name: '', password: '' });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const refs = {
    name: useRef<HTMLInputElement>(null),
    email: useRef<HTMLInputElement>(null),
    password: useRef<HTMLInputElement>(null),
  };
  const token = params.get('token') ?? '';
  // Each message goes next to its field; the form-level alert only carries what no field explains.
  const problem = splitProblem<Field>(error, FIELDS);

  useEffect(() => {
    if (problem.first) refs[problem.first].current?.focus();
  }, [error]); // once per refusal

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/setup', { token, ...form });
    } catch (err) {
      setError(err);
      setBusy(false);
      return;
    }
    try {
      await api.post('/api/auth/login', { email: form.email, password: form.password });
      await client.invalidateQueries({ queryKey: ['me'] });
      void navigate(withNext('/mfa', AFTER_SETUP), { replace: true });
    } catch {
      setDone(true); // the account exists: signing in by hand still works
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    return (
      <div className="auth-page">
        <div className="card auth">
          <h1>The desk is set up</h1>
          <p>
            Sign in with the account you just created, then enrol your authenticator app. Next you invite your
            founding team.
          </p>
          <Link to={withNext('/login', AFTER_SETUP)} className="button">
            Sign in
          </Link>
        </div>
      </div>
    );
  }

  const described = (f: Field, hint?: boolean) =>
    [hint ? `setup-${f}-hint` : '', problem.fields[f] ? `setup-${f}-error` : ''].filter(Boolean).join(' ') ||
    undefined;
  const field = (f: Field) => ({
    ref: refs[f],
    id: `setup-${f}`,
    required: true,
    value: form[f],
    'aria-invalid': problem.fields[f] ? true : undefined,
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [f]: e.target.value }),
  });
  return (
    <div className="auth-page">
      <form className="card auth" onSubmit={(e) => void submit(e)} aria-labelledby="setup-title">
        <h1 id="setup-title">Create the first platform admin</h1>
        <p className="form-intro">
          First your own account; next you enrol your authenticator app, then you invite your founding team
          and give them their roles.
        </p>
        {!token && (
          <p className="form-error">This page needs the setup link the desk printed when it first started.</p>
        )}
        <label htmlFor="setup-name">Name</label>
        <input {...field('name')} autoComplete="name" aria-describedby={described('name')} />
        <FieldError id="setup-name-error" message={problem.fields.name} />
        <label htmlFor="setup-email">Email</label>
        <input
          {...field('email')}
          type="email"
          autoComplete="username"
          aria-describedby={described('email')}
        />
        <FieldError id="setup-email-error" message={problem.fields.email} />
        <label htmlFor="setup-password">Password</label>
        <input
          {...field('password')}
          type="password"
          autoComplete="new-password"
          aria-describedby={described('password', true)}
        />
        <FieldHint id="setup-password-hint">
          At least 12 characters, not your email. A passphrase of a few words is easiest.
        </FieldHint>
        <FieldError id="setup-password-error" message={problem.fields.password} />
        <FormError error={problem.form} />
        <button type="submit" disabled={!token || busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
    </div>
  );
}
