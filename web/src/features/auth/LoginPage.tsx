import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { safeNext, withNext } from '../../app/nextPage';
import { api, ApiError } from '../../api/client';
import type { LoginResponse } from '../../api/types';
import { FieldError, FormError } from '../../components/FormError';

/** What the code field says when the desk asks for it (its own detail names the API field). */
const CODE_NEEDED = 'Enter the 6-digit code from your authenticator app to finish signing in.';

export function LoginPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needsCode, setNeedsCode] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const client = useQueryClient();
  const navigate = useNavigate();
  const next = safeNext(useSearchParams()[0].get('next'));
  const totpRef = useRef<HTMLInputElement>(null);
  // The password was right and a code is needed: said next to the code field, which gets the focus.
  const codeNeeded = error instanceof ApiError && error.code === 'MFA_REQUIRED';

  useEffect(() => {
    if (codeNeeded) totpRef.current?.focus();
  }, [error]); // once per answer

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await api.post<LoginResponse>('/api/auth/login', {
        email,
        password,
        ...(totp.trim() ? { code: totp.trim() } : {}),
      });
      await client.invalidateQueries({ queryKey: ['me'] });
      void navigate(res.mfaVerified ? next : withNext('/mfa', next), { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'MFA_REQUIRED') setNeedsCode(true);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="auth-page">
      <form className="card auth" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">Sign in to the ops console</h1>
        <label htmlFor="email">Email</label>
        <input
          id="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <label htmlFor="totp">Authenticator code {needsCode ? '' : '(if enrolled)'}</label>
        <input
          ref={totpRef}
          id="totp"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={6}
          value={totp}
          onChange={(e) => setTotp(e.target.value)}
          required={needsCode}
          aria-invalid={codeNeeded ? true : undefined}
          aria-describedby={codeNeeded ? 'totp-error' : undefined}
        />
        <FieldError id="totp-error" message={codeNeeded ? CODE_NEEDED : undefined} />
        <FormError error={codeNeeded ? null : error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
