import { Secret, TOTP } from 'otpauth';
import { matchTotpStep, TOTP_PERIOD_SECONDS } from './operators.rules.js';

/** RFC 6238 with the parameters every authenticator app supports: SHA-1, 6 digits, 30 s. */
const ISSUER = 'usdt-desk';

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function otpauthUrl(secretBase32: string, account: string): string {
  return new TOTP({
    issuer: ISSUER,
    label: account,
    secret: Secret.fromBase32(secretBase32),
    period: TOTP_PERIOD_SECONDS,
  }).toString();
}

export function totpCodeAt(secretBase32: string, at: Date): string {
  return TOTP.generate({
    secret: Secret.fromBase32(secretBase32),
    period: TOTP_PERIOD_SECONDS,
    timestamp: at.getTime(),
  });
}

export function totpCodeForStep(secretBase32: string, step: number): string {
  return totpCodeAt(secretBase32, new Date(step * TOTP_PERIOD_SECONDS * 1000));
}

/** The time step the code belongs to (to be recorded as used), or null when it matches none in the window. */
export function verifyTotp(secretBase32: string, code: string, now: Date): number | null {
  const secret = Secret.fromBase32(secretBase32);
  return matchTotpStep(code, now, (step) =>
    TOTP.generate({ secret, period: TOTP_PERIOD_SECONDS, timestamp: step * TOTP_PERIOD_SECONDS * 1000 }),
  );
}
