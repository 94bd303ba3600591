import { errors, jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../shared/clock.js';
import { isUuid } from '../shared/ids.js';
import type { Keyring } from '../shared/keyring.js';

/**
 * Access tokens: HS256 JWTs signed with the keyring's newest key and verified with whichever key
 * the `kid` header names, so a rotation (`desk secrets rotate jwt`: new key first, old keys verify
 * until `desk secrets prune` drops them after the longest token expired) logs nobody out. A token only says who and which session; the session row decides whether it still
 * counts.
 */
export interface AccessClaims {
  operatorId: string;
  sessionId: string;
}

/**
 * `access` tokens authenticate API calls (minutes); `refresh` tokens only buy a new access token at
 * POST /api/auth/refresh and live as long as the session. Each kind has its own audience, so one is
 * never accepted as the other.
 */
export type TokenKind = 'access' | 'refresh';

export interface AccessTokens {
  sign(claims: AccessClaims, expiresAt: Date, kind?: TokenKind): Promise<string>;
  /** The claims of a well-formed, correctly signed, unexpired token from a known key; otherwise null. */
  verify(token: string, kind?: TokenKind): Promise<AccessClaims | null>;
}

const ISSUER = 'usdt-desk';
const AUDIENCE: Record<TokenKind, string> = { access: 'usdt-desk-api', refresh: 'usdt-desk-refresh' };

export function createAccessTokens(deps: {
  keyring: Pick<Keyring, 'jwtSigning' | 'jwtKey'>;
  clock: Clock;
}): AccessTokens {
  return {
    async sign(claims, expiresAt, kind = 'access') {
      const now = deps.clock.now();
      const signing = await deps.keyring.jwtSigning();
      return new SignJWT({ sid: claims.sessionId })
        .setProtectedHeader({ alg: 'HS256', kid: signing.kid, typ: 'JWT' })
        .setSubject(claims.operatorId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE[kind])
        .setIssuedAt(Math.floor(now.getTime() / 1000))
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(signing.secret);
    },

    async verify(token, kind = 'access') {
      try {
        const { payload } = await jwtVerify(
          token,
          async (header) => {
            const key = header.kid ? await deps.keyring.jwtKey(header.kid) : undefined;
            if (!key) throw new errors.JWKSNoMatchingKey();
            return key;
          },
          {
            algorithms: ['HS256'],
            issuer: ISSUER,
            audience: AUDIENCE[kind],
            currentDate: deps.clock.now(),
            requiredClaims: ['sub', 'sid', 'exp'],
          },
        );
        const { sub, sid } = payload;
        if (typeof sub !== 'string' || typeof sid !== 'string' || !isUuid(sub) || !isUuid(sid)) return null;
        return { operatorId: sub, sessionId: sid };
      } catch {
        return null;
      }
    },
  };
}
