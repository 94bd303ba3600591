import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, ApiError } from '../../api/client';
import { FieldError, FormError } from '../../components/FormError';

/** First run: the one-time setup link creates the first platform_admin. */
export function SetupPage() {
  const [params] = useSearchParams();
  const [form, setForm] = useState({ email: '', name: '', password: '' });
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const token = params.get('token') ?? '';
  const fieldError = (f: string) => (error instanceof ApiError ? error.fieldError(f) : undefined);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api.post('/api/setup', { token, ...form });
      setDone(true);
    } catch (err) {
      setError(err);
    }
  };

  if (done) {
    return (
      <div className="auth-page">
        <div className="card auth">
          <h1>The desk is set up</h1>
          <p>Sign in with the account you just created, then enrol your authenticator app.</p>
          <Link to="/login" className="button">
            Sign in
          </Link>
        </div>
      </div>
    );
  }
  return (
    <div className="auth-page">
      <form className="card auth" onSubmit={(e) => void submit(e)} aria-labelledby="setup-title">
        <h1 id="setup-title">Create the first platform admin</h1>
        {!token && <p className="form-error">This page needs the setup link the desk printed when it first started.</p>}
        <label htmlFor="setup-name">Name</label>
        <input id="setup-name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        <label htmlFor="setup-email">Email</label>
        <input id="setup-email" type="email" required autoComplete="username" value={form.email} aria-describedby="setup-email-error" onChange={(e) => setForm({ ...form, email: e.target.value })} />
        <FieldError id="setup-email-error" message={fieldError('email')} />
        <label htmlFor="setup-password">Password (at least 12 characters)</label>
        <input id="setup-password" type="password" required autoComplete="new-password" value={form.password} aria-describedby="setup-password-error" onChange={(e) => setForm({ ...form, password: e.target.value })} />
        <FieldError id="setup-password-error" message={fieldError('password')} />
        <FormError error={error} />
        <button type="submit" disabled={!token}>
          Create account
        </button>
      </form>
    </div>
  );
}
