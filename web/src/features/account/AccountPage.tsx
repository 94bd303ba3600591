import { useState } from 'react';
import { ROLE_LABELS } from '../../api/types';
import { useSession } from '../../app/session';
import { MfaEnrolPage } from '../auth/MfaEnrolPage';
import { ChangePassword } from './ChangePassword';
import { TelegramLink } from './TelegramLink';

/** The signed-in operator's own account: who they are, password, authenticator, Telegram. */
export function AccountPage() {
  const { me } = useSession();
  const [reenrol, setReenrol] = useState(false);
  if (!me) return null;
  return (
    <div className="screen account-page">
      <h1>My account</h1>
      <div className="columns">
        <div className="column-main">
          <section className="card" aria-labelledby="me-title">
            <h2 id="me-title">You</h2>
            <dl className="facts">
              <dt>Name</dt>
              <dd>{me.name}</dd>
              <dt>Email</dt>
              <dd>{me.email}</dd>
              <dt>Roles</dt>
              <dd>
                {me.roles.map((r) => ROLE_LABELS[r]).join(', ') ||
                  'none yet: a platform admin must request one for you'}
              </dd>
              <dt>Authenticator</dt>
              <dd>{me.mfaEnrolled ? 'Enrolled' : 'Not enrolled'}</dd>
            </dl>
          </section>
          <ChangePassword />
        </div>
        <div className="column-side">
          <TelegramLink />
          <section className="card" aria-label="Authenticator app">
            {!reenrol ? (
              <>
                <h2>Authenticator app</h2>
                <p className="form-intro">
                  Moving to a new phone? Re-enrol: you confirm with a code from your current app, scan a new
                  QR code, then confirm with a code from the new one.
                </p>
                <button type="button" className="secondary" onClick={() => setReenrol(true)}>
                  Re-enrol my authenticator…
                </button>
              </>
            ) : (
              <div className="mfa-slot">
                <MfaEnrolPage reenrol />
              </div>
            )}
          </section>
        </div>
      </div>
    </div>
  );
}
