import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api } from '../../api/client';
import { FormError } from '../../components/FormError';
import { clockTime, duration } from '../../components/format';

interface BotFields {
  /** The desk's bot, e.g. `usdt_desk_bot` (null: the desk has not heard it from Telegram yet, or has none). */
  botUsername: string | null;
  telegramConfigured: boolean;
}

interface Status extends BotFields {
  linked: boolean;
  pendingCodeExpiresAt: string | null;
}

/** The bot to send the code to, by name and with a t.me link when the desk knows it. */
function BotName({ username }: { username: string | null }) {
  if (!username) return <>the desk's Telegram bot</>;
  return (
    <a href={`https://t.me/${encodeURIComponent(username)}`} target="_blank" rel="noreferrer">
      @{username}
    </a>
  );
}

const statusKey = ['me', 'telegram-link'] as const;

function useNow(everyMs: number) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** A one-time code to send to the bot as `/link CODE`, which binds this Telegram account to you. */
export function TelegramLink() {
  const status = useQuery({ queryKey: statusKey, queryFn: () => api.get<Status>('/api/me/telegram-link') });
  const [code, setCode] = useState<({ code: string; expiresAt: string } & BotFields) | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const client = useQueryClient();
  const now = useNow(1000);
  const left = code ? new Date(code.expiresAt).getTime() - now : 0;
  const expired = code !== null && left <= 0;

  const issue = async () => {
    setBusy(true);
    setError(null);
    try {
      setCode(await api.post<{ code: string; expiresAt: string } & BotFields>('/api/me/telegram-link', {}));
      void client.invalidateQueries({ queryKey: statusKey });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const linked = status.data?.linked ?? false;
  const noBot = status.data?.telegramConfigured === false;
  return (
    <section className="card" aria-labelledby="telegram-title">
      <h2 id="telegram-title">Telegram</h2>
      <p data-testid="telegram-status">
        {status.isLoading ? (
          'Checking…'
        ) : linked ? (
          <span className="yes">
            ✓ Your Telegram account is linked: alerts and co-sign requests reach you there.
          </span>
        ) : (
          'Not linked yet. Link your Telegram account to get alerts and co-sign requests in chat.'
        )}
      </p>
      {code && !expired && (
        <div className="info-box" role="status" data-testid="telegram-code">
          <p>
            Send this message to <BotName username={code.botUsername} /> in Telegram within {duration(left)}:
          </p>
          <p>
            <code className="link-code">/link {code.code}</code>
          </p>
          <p className="field-hint">
            The code works once and expires at {clockTime(code.expiresAt)}.{' '}
            {linked ? 'Using it links that Telegram account instead of the current one.' : ''}
          </p>
        </div>
      )}
      {expired && <p className="warn-box">That code expired unused. Get a new one.</p>}
      {!code && status.data?.pendingCodeExpiresAt && (
        <p className="field-hint">
          You have an unused code until {clockTime(status.data.pendingCodeExpiresAt)}; getting a new one
          replaces it.
        </p>
      )}
      {noBot && (
        <p className="warn-box" data-testid="telegram-no-bot">
          This desk has no Telegram bot configured (TELEGRAM_BOT_TOKEN is not set), so a link code would have
          nowhere to go. Ask your platform engineer to set one up.
        </p>
      )}
      {!noBot && !code && status.data && (
        <p className="field-hint" data-testid="telegram-bot">
          The desk's bot: <BotName username={status.data.botUsername} />.
        </p>
      )}
      <FormError error={error} />
      <button type="button" onClick={() => void issue()} disabled={busy || noBot}>
        {busy ? 'Getting a code…' : code ? 'Get a new code' : 'Get a link code'}
      </button>
    </section>
  );
}
