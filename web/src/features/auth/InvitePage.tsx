import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { api, ApiError } from '../../api/client';
import { ROLE_LABELS, type Role } from '../../api/types';
import { FieldError, FieldHint, FormError } from '../../components/FormError';
import { dateTime } from '../../components/format';
import { splitProblem } from '../../components/problems';

interface InvitationView {
  email: string;
  name: string;
  roles: Role[];
  expiresAt: string;
}

const FIELDS = { password: ['password'] } as const;

/**
 * /invite/<token>: the invited person chooses their own password (nobody else ever knew one), is
 * signed in, and goes on to enrol their own authenticator app on the MFA page.
 */
export function InvitePage() {
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [mismatch, setMismatch] = useState(false);
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLInputElement>(null);
  const invitation = useQuery({
    queryKey: ['invitation', token],
    queryFn: () => api.get<InvitationView>(`/api/invitations/${encodeURIComponent(token)}`),
    retry: false,
  });
  const problem = splitProblem(error, FIELDS);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setMismatch(password !== confirm);
    if (password !== confirm) return;
    setBusy(true);
    try {
      await api.post('/api/invitations/accept', { token, password });
      await client.invalidateQueries({ queryKey: ['me'] });
      void navigate('/mfa');
    } catch (err) {
      setError(err);
      ref.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  if (invitation.isLoading)
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  if (invitation.error || !invitation.data)
    return (
      <div className="auth-page">
        <div className="card auth">
          <h1>This invitation cannot be used</h1>
          <p className="form-error" role="alert">
            {invitation.error instanceof ApiError
              ? invitation.error.message
              : 'The invitation could not be loaded.'}
          </p>
        </div>
      </div>
    );
  const inv = invitation.data;
  return (
    <div className="auth-page">
      <form className="card auth" onSubmit={(e) => void submit(e)} aria-labelledby="invite-title" noValidate>
        <h1 id="invite-title">Welcome, {inv.name}</h1>
        <p>
          You were invited to the desk as <strong>{inv.email}</strong>
          {inv.roles.length > 0 ? ` (${inv.roles.map((r) => ROLE_LABELS[r]).join(', ')})` : ''}. Choose your
          own password; next you enrol your own authenticator app. The link works once and expires{' '}
          {dateTime(inv.expiresAt)}.
        </p>
        <label htmlFor="invite-password">Password</label>
        <input
          ref={ref}
          id="invite-password"
          type="password"
          autoComplete="new-password"
          value={password}
          aria-invalid={problem.fields.password ? true : undefined}
          aria-describedby="invite-password-hint"
          onChange={(e) => setPassword(e.target.value)}
        />
        <FieldHint id="invite-password-hint">
          At least 12 characters, not your email. A passphrase of a few words is easiest.
        </FieldHint>
        <FieldError id="invite-password-error" message={problem.fields.password} />
        <label htmlFor="invite-confirm">Password again</label>
        <input
          id="invite-confirm"
          type="password"
          autoComplete="new-password"
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
        />
        <FieldError id="invite-confirm-error" message={mismatch ? 'The two passwords differ.' : undefined} />
        <FormError error={problem.form} />
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Set my password'}
        </button>
      </form>
    </div>
  );
}
