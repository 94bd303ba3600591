/**
 * For CI's smoke run (scripts/ci-smoke.sh): a fresh desk gets what the smoke needs, the way people
 * would do it. `desk operators add` creates a founding platform admin (the bootstrap); the admin invites
 * the others through the API; each accepts their invitation and enrols their own authenticator. A client
 * is registered, granted and given a whitelisted paper payout address under dual control, and an ops
 * approver issues its API key. Writes `operators.txt` (email:password:totpSecret a line, for
 * `--operators-file`) and `client-key.txt` into the folder given as the only argument.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { totpStep } from '../../src/operators/operators.rules.js';
import { totpCodeForStep } from '../../src/operators/operators.totp.js';
import { SmokeHttp } from './http.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const [out] = process.argv.slice(2);
const url = process.env.SMOKE_URL;
if (!out || !url) throw new Error('usage: SMOKE_URL=http://… tsx scripts/smoke/provision.ts OUT_DIR');
const http = new SmokeHttp(url);
const REASON = 'CI smoke run: provisioning a throw-away desk';
const TRON = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';

interface Person {
  email: string;
  password: string;
  secret: string;
  id: string;
  token: string;
}

/** Accepts the invitation (own password), enrols an authenticator, verifies it: a full, step-up-open session. */
async function enrol(email: string, invitationUrl: string): Promise<Person> {
  const password = `smoke-${randomBytes(8).toString('hex')}`;
  const token = decodeURIComponent(invitationUrl.slice(invitationUrl.lastIndexOf('/invite/') + 8));
  const accepted = await http.expect<{ token: string; operator: { id: string } }>(
    200,
    'POST',
    '/api/invitations/accept',
    { body: { token, password } },
  );
  const pending = accepted.body.token;
  const { secret } = (
    await http.expect<{ secret: string }>(200, 'POST', '/api/auth/mfa/enroll', { token: pending, body: {} })
  ).body;
  const code = totpCodeForStep(secret, totpStep(new Date()));
  const verified = await http.expect<{ token: string }>(200, 'POST', '/api/auth/mfa/verify', {
    token: pending,
    body: { code },
  });
  return { email, password, secret, id: accepted.body.operator.id, token: verified.body.token };
}

/** Approve naming the secondary, then the secondary co-signs. */
async function decide(id: string, primary: Person, secondary: Person): Promise<void> {
  await http.expect(200, 'POST', `/api/approvals/${id}/approve`, {
    token: primary.token,
    body: { reason: REASON, secondaryApproverId: secondary.id },
  });
  await http.expect(200, 'POST', `/api/approvals/${id}/cosign`, {
    token: secondary.token,
    body: { reason: REASON },
  });
}

// The founding admin, through the CLI (audited as `cli`), during the bootstrap.
const added = JSON.parse(
  execFileSync(
    path.join(ROOT, 'node_modules/.bin/tsx'),
    [
      'src/cli/desk.ts',
      'operators',
      'add',
      '--email',
      'admin@smoke.test',
      '--name',
      'Smoke Admin',
      '--role',
      'platform_admin',
      '--json',
    ],
    { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'inherit'] },
  ).toString(),
) as { invitationUrl: string };
const admin = await enrol('admin@smoke.test', added.invitationUrl);

async function invite(email: string, role: string): Promise<Person> {
  const res = await http.expect<{ invitation: { url: string } }>(201, 'POST', '/api/operators', {
    token: admin.token,
    body: { email, name: email.split('@')[0], roles: [role] },
  });
  return enrol(email, res.body.invitation.url);
}
const risk1 = await invite('risk1@smoke.test', 'risk_officer');
const risk2 = await invite('risk2@smoke.test', 'risk_officer');
const ops = await invite('ops@smoke.test', 'ops_approver');

// A client: registered by ops (client.access grant), approved by a risk officer, co-signed by another.
const registered = await http.expect<{ client: { id: string }; requestId: string }>(
  201,
  'POST',
  '/api/clients',
  {
    token: ops.token,
    body: {
      name: 'Smoke Client',
      company: 'Smoke Trading Ltd',
      country: 'CH',
      monthlyVolume: '100k–1M USDT',
      note: REASON,
    },
  },
);
const clientId = registered.body.client.id;
await decide(registered.body.requestId, risk1, risk2);
// Its payout address: filed by a risk officer, approved by ops, co-signed by the other risk officer.
const address = await http.expect<{ request: { id: string } }>(
  201,
  'POST',
  `/api/clients/${clientId}/addresses`,
  {
    token: risk1.token,
    body: { network: 'tron', address: TRON, note: REASON },
  },
);
await decide(address.body.request.id, ops, risk2);
const key = await http.expect<{ key: string }>(201, 'POST', `/api/clients/${clientId}/api-keys`, {
  token: ops.token,
  body: { label: 'smoke' },
});

fs.writeFileSync(
  path.join(out, 'operators.txt'),
  [risk1, risk2, admin].map((p) => `${p.email}:${p.password}:${p.secret}`).join('\n') + '\n',
  { mode: 0o600 },
);
fs.writeFileSync(path.join(out, 'client-key.txt'), `${key.body.key}\n`, { mode: 0o600 });
process.stdout.write(
  `provisioned: ${[admin, risk1, risk2, ops].map((p) => p.email).join(', ')}; client ${clientId} with an API key (${http.calls.length} requests)\n`,
);
