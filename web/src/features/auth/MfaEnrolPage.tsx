import { useQueryClient } from '@tanstack/react-query';
import QRCode from 'qrcode';
import { useEffect, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { safeNext } from '../../app/nextPage';
import { api } from '../../api/client';
import { FormError } from '../../components/FormError';

const ENROLMENT = ['mfa-enrolment'];

/** Enrol an authenticator app: QR code and the secret, then confirm with a first code. */
export function MfaEnrolPage({ reenrol = false }: { reenrol?: boolean }) {
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauthUrl: string; qr: string } | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const client = useQueryClient();
  const navigate = useNavigate();
  const next = safeNext(useSearchParams()[0].get('next'));

  // One enrolment per visit: the page can mount twice on the way in (the session refreshing), and a
  // second POST would replace the secret the QR code already showed. fetchQuery shares the first.
  const start = async (fresh: boolean) => {
    setError(null);
    try {
      if (fresh) client.removeQueries({ queryKey: ENROLMENT });
      const e = await client.fetchQuery({
        queryKey: ENROLMENT,
        staleTime: Infinity,
        queryFn: () => api.post<{ secret: string; otpauthUrl: string }>('/api/auth/mfa/enroll'),
      });
      setEnrolment({ ...e, qr: await QRCode.toDataURL(e.otpauthUrl, { margin: 1, width: 220 }) });
    } catch (err) {
      client.removeQueries({ queryKey: ENROLMENT });
      setError(err);
    }
  };

  useEffect(() => {
    if (!reenrol) void start(false);
  }, []);

  const verify = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api.post('/api/auth/mfa/verify', { code: code.trim() });
      client.removeQueries({ queryKey: ENROLMENT });
      await client.invalidateQueries({ queryKey: ['me'] });
      void navigate(next, { replace: true });
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div className={reenrol ? '' : 'auth-page'}>
      <div className="card auth">
        <h1>{reenrol ? 'Re-enrol your authenticator' : 'Enrol your authenticator app'}</h1>
        <p>
          Every operator who can decide uses a second factor. Scan the code with an authenticator app (or type
          the secret), then enter the 6-digit code it shows.
        </p>
        {!enrolment && (
          <button type="button" onClick={() => void start(true)}>
            {reenrol ? 'Start re-enrolment' : 'Show my code'}
          </button>
        )}
        {enrolment && (
          <form onSubmit={(e) => void verify(e)}>
            <img src={enrolment.qr} alt="QR code for your authenticator app" width={220} height={220} />
            <p>
              Secret: <code data-testid="mfa-secret">{enrolment.secret}</code>
            </p>
            <label htmlFor="mfa-code">Code from the app</label>
            <input
              id="mfa-code"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={6}
              required
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
            <button type="submit">Confirm</button>
          </form>
        )}
        <FormError error={error} />
      </div>
    </div>
  );
}
