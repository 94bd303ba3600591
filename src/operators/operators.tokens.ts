import { errors, jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../shared/clock.js';
import { isUuid } from '../shared/ids.js';

/**
 * Access tokens: HS256 JWTs signed with the first key of the keyring and verified with whichever key
 * the `kid` header names, so a rotation (new key first, old key kept until its tokens expire) logs
 * nobody out. A token only says who and which session; the session row decides whether it still
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
  jwtKeys: { kid: string; secret: Buffer }[];
  clock: Clock;
}): AccessTokens {
  const signing = deps.jwtKeys[0];
  if (!signing) throw new Error('the JWT keyring is empty: configure JWT_SIGNING_KEYS');
  const keys = new Map(deps.jwtKeys.map((k) => [k.kid, new Uint8Array(k.secret)]));

  return {
    async sign(claims, expiresAt, kind = 'access') {
      const now = deps.clock.now();
      return new SignJWT({ sid: claims.sessionId })
        .setProtectedHeader({ alg: 'HS256', kid: signing.kid, typ: 'JWT' })
        .setSubject(claims.operatorId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE[kind])
        .setIssuedAt(Math.floor(now.getTime() / 1000))
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(new Uint8Array(signing.secret));
    },

    async verify(token, kind = 'access') {
      try {
        const { payload } = await jwtVerify(
          token,
          (header) => {
            const key = header.kid ? keys.get(header.kid) : undefined;
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
