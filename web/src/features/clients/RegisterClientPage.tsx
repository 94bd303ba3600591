import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { FieldError, FormError } from '../../components/FormError';
import { splitProblem } from '../../components/problems';
import { Filed } from './Filed';
import { VOLUME_BRACKETS, type Client } from './model';
import { useFile } from './useFile';
import { FilingWarning } from '../../components/FilingWarning';

type Field = 'name' | 'company' | 'country';
const BOUNDS: Record<Field, [number, number, string]> = {
  name: [2, 100, 'the contact’s name'],
  company: [1, 120, 'the company'],
  country: [2, 60, 'the country'],
};

/** Every field's problem at once, in words, before anything is sent (the desk checks again). */
function check(form: Record<Field, string>): Partial<Record<Field, string>> {
  const out: Partial<Record<Field, string>> = {};
  for (const f of Object.keys(BOUNDS) as Field[]) {
    const [min, max, what] = BOUNDS[f];
    const n = form[f].trim().replace(/\s+/g, ' ').length;
    if (n < min) out[f] = min === 1 ? `Enter ${what}.` : `Enter ${what} (at least ${min} characters).`;
    else if (n > max) out[f] = `Shorten ${what} to ${max} characters.`;
  }
  return out;
}

/**
 * Registers a client who does not use Telegram (an API-only institution). It files the `client.access`
 * grant request; once two people approve it the client is active and can be given an API key.
 */
export function RegisterClientPage() {
  const [form, setForm] = useState<Record<Field, string>>({ name: '', company: '', country: '' });
  const [volume, setVolume] = useState<string>(VOLUME_BRACKETS[1]);
  const [note, setNote] = useState('');
  const [local, setLocal] = useState<Partial<Record<Field, string>>>({});
  const file = useFile<{ client: Client; requestId: string }>();
  const server = splitProblem(file.error, { name: ['name'], company: ['company'], country: ['country'] });
  const err = (f: Field) => local[f] ?? server.fields[f];

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const problems = check(form);
    setLocal(problems);
    const first = (Object.keys(BOUNDS) as Field[]).find((f) => problems[f]);
    if (first) {
      document.getElementById(`register-${first}`)?.focus();
      return;
    }
    const done = await file.run(() =>
      api.post<{ client: Client; requestId: string }>('/api/clients', {
        ...form,
        monthlyVolume: volume,
        ...(note.trim() ? { note: note.trim() } : {}),
      }),
    );
    if (done) setForm({ name: '', company: '', country: '' });
  };

  const input = (f: Field, label: string, autoComplete: string) => (
    <div>
      <label htmlFor={`register-${f}`}>{label}</label>
      <input
        id={`register-${f}`}
        value={form[f]}
        autoComplete={autoComplete}
        aria-invalid={err(f) ? true : undefined}
        aria-describedby={err(f) ? `register-${f}-error` : undefined}
        onChange={(e) => {
          setForm({ ...form, [f]: e.target.value });
          if (local[f]) setLocal({ ...local, [f]: undefined });
        }}
      />
      <FieldError id={`register-${f}-error`} message={err(f)} />
    </div>
  );

  return (
    <div className="screen register-client">
      <p className="crumbs">
        <Link to="/clients">← Clients</Link>
      </p>
      <h1>Register an API client</h1>
      <p className="lede">
        For an institution that trades through the client API, without Telegram. Registering files a request
        to grant access; once approved and co-signed, issue the client an API key on its page.
      </p>
      {file.done ? (
        <>
          <Filed
            id={file.done.requestId}
            what={`${file.done.client.name} is registered, waiting for access.`}
          />
          <p>
            <Link
              to={`/clients/${file.done.client.id}`}
              className="strong-link"
              data-testid="registered-client"
            >
              Open {file.done.client.name}’s page
            </Link>
          </p>
        </>
      ) : (
        <form
          className="card"
          onSubmit={(e) => void submit(e)}
          noValidate
          aria-label="Register an API client"
        >
          <div className="form-grid">
            {input('name', 'Contact name', 'name')}
            {input('company', 'Company', 'organization')}
            {input('country', 'Country', 'country-name')}
            <div>
              <label htmlFor="register-volume">Expected monthly volume</label>
              <select id="register-volume" value={volume} onChange={(e) => setVolume(e.target.value)}>
                {VOLUME_BRACKETS.map((v) => (
                  <option key={v}>{v}</option>
                ))}
              </select>
            </div>
          </div>
          <label htmlFor="register-note">Note for the approvers (optional)</label>
          <textarea
            id="register-note"
            rows={2}
            value={note}
            maxLength={2000}
            onChange={(e) => setNote(e.target.value)}
          />
          <FilingWarning kind="client.access" />
          <FormError error={server.form} />
          <button type="submit" disabled={file.busy}>
            {file.busy ? 'Filing…' : 'Register and request access'}
          </button>
        </form>
      )}
    </div>
  );
}
