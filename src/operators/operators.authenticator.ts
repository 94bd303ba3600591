import type { FastifyReply } from 'fastify';
import type { Authenticator } from '../shared/request-context.js';
import type { AuthService } from './operators.auth.js';
import type { AccessToken } from './operators.sessions.js';

/**
 * How HTTP callers present a session. API clients: `Authorization: Bearer <jwt>`. The console: the
 * same JWT in an HttpOnly SameSite=Strict cookie, plus the session's CSRF token (readable cookie and
 * response body) echoed in `X-CSRF-Token` on every mutation. A bearer header, when present, wins and
 * the cookie is ignored, so a malformed bearer never falls back to ambient credentials.
 */
export const SESSION_COOKIE = 'desk_session';
/**
 * The refresh token: HttpOnly, sent only to the refresh route, kept until the session ends, so a
 * console left alone past the access token's 15 minutes signs back in silently (POST
 * /api/auth/refresh) while the session still stands. The CSRF cookie lasts as long, so that call can
 * carry its header.
 */
export const REFRESH_COOKIE = 'desk_refresh';
export const REFRESH_PATH = '/api/auth/refresh';
const CSRF_COOKIE = 'desk_csrf';

export function createAuthenticator(auth: AuthService): Authenticator {
  return {
    async authenticate(request) {
      const header = request.headers.authorization;
      if (header !== undefined) {
        const token = /^Bearer +([A-Za-z0-9._~+/=-]+)$/i.exec(header)?.[1];
        const session = token ? await auth.authenticate(token) : null;
        if (!session) return null;
        const { csrfToken: _unused, ...rest } = session;
        return { ...rest, via: 'bearer' };
      }
      const cookie = request.cookies[SESSION_COOKIE];
      const session = cookie ? await auth.authenticate(cookie) : null;
      return session ? { ...session, via: 'cookie' } : null;
    },
  };
}

export interface CookiePolicy {
  /** True when the desk is served over https (PUBLIC_URL), so cookies get the Secure flag. */
  secure: boolean;
}

export function setSessionCookies(reply: FastifyReply, access: AccessToken, policy: CookiePolicy): void {
  const common = { path: '/', sameSite: 'strict' as const, secure: policy.secure, expires: access.expiresAt };
  reply.setCookie(SESSION_COOKIE, access.token, { ...common, httpOnly: true });
  const untilSessionEnds = { ...common, expires: access.refreshExpiresAt };
  reply.setCookie(REFRESH_COOKIE, access.refreshToken, {
    ...untilSessionEnds,
    path: REFRESH_PATH,
    httpOnly: true,
  });
  // Readable by the console's script on purpose: that is how it learns the header value after a reload.
  reply.setCookie(CSRF_COOKIE, access.csrfToken, { ...untilSessionEnds, httpOnly: false });
}

export function clearSessionCookies(reply: FastifyReply, policy: CookiePolicy): void {
  const common = { path: '/', sameSite: 'strict' as const, secure: policy.secure };
  reply.clearCookie(SESSION_COOKIE, { ...common, httpOnly: true });
  reply.clearCookie(REFRESH_COOKIE, { ...common, path: REFRESH_PATH, httpOnly: true });
  reply.clearCookie(CSRF_COOKIE, common);
}
