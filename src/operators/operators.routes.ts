import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Actor } from '../shared/request-context.js';
import { auditContext } from '../shared/request-context.js';
import { AppError } from '../shared/errors.js';
import type { AuthService } from './operators.auth.js';
import {
  clearSessionCookies,
  createAuthenticator,
  REFRESH_COOKIE,
  REFRESH_PATH,
  setSessionCookies,
  type CookiePolicy,
} from './operators.authenticator.js';
import {
  acceptInvitationBody,
  invitationParams,
  invitationView,
  accessTokenResponse,
  codeBody,
  enrolResponse,
  loginBody,
  meResponse,
  noBody,
  operatorListResponse,
  sessionResponse,
  setupBody,
  setupResponse,
  stepUpResponse,
} from './operators.schemas.js';
import type { OperatorsService } from './operators.service.js';
import type { AccessToken, IssuedSession, RequestContext } from './operators.sessions.js';

export interface OperatorsRoutesDeps {
  auth: AuthService;
  operators: OperatorsService;
  config: Pick<Config, 'LOGIN_RATE_PER_MINUTE' | 'PUBLIC_URL'>;
}

function actorOf(request: FastifyRequest): Actor {
  if (!request.actor)
    throw new AppError('UNAUTHENTICATED', 'Sign in first: this needs an operator session or a bearer token.');
  return request.actor;
}

function requestContext(request: FastifyRequest): RequestContext {
  return { ...auditContext(request), userAgent: request.headers['user-agent'] ?? null };
}

/** Compares a presented secret in constant time (for equal lengths). */
function sameSecret(given: string | string[] | undefined, expected: string | undefined): boolean {
  if (typeof given !== 'string' || !expected) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const tokenJson = (a: AccessToken) => ({
  token: a.token,
  expiresAt: a.expiresAt.toISOString(),
  csrfToken: a.csrfToken,
});
const sessionJson = (s: IssuedSession) => ({
  ...tokenJson(s),
  mfaVerified: s.mfaVerified,
  stepUpUntil: iso(s.stepUpUntil),
  operator: s.operator,
});

/** Sign-in, MFA, step-up, the caller's own account, the operator list and first-run setup. */
export function operatorsRoutes(deps: OperatorsRoutesDeps): FastifyPluginAsync {
  const { auth, operators } = deps;
  const authenticator = createAuthenticator(auth);
  const cookies: CookiePolicy = { secure: deps.config.PUBLIC_URL?.startsWith('https://') ?? false };
  // Per client IP on this node (the plugin's default key); the per-account lockout lives in the database.
  const perIp = { rateLimit: { max: deps.config.LOGIN_RATE_PER_MINUTE, timeWindow: 60_000 } };
  const self = { permission: 'self' as const };
  const selfMfaPending = { permission: 'self' as const, mfaPending: true };

  /** The live access token (bearer or cookie) if it still counts, else the refresh cookie. */
  async function refreshAccess(request: FastifyRequest): Promise<AccessToken> {
    const actor = await authenticator.authenticate(request);
    const csrf = request.headers['x-csrf-token'];
    if (actor) {
      if (actor.via === 'cookie' && !sameSecret(csrf, actor.csrfToken))
        throw new AppError(
          'CSRF_REQUIRED',
          'Requests authenticated by cookie must send the X-CSRF-Token header.',
        );
      return auth.refresh(actor);
    }
    const refreshToken = request.cookies[REFRESH_COOKIE];
    const access = refreshToken
      ? await auth.refreshWith(refreshToken, typeof csrf === 'string' ? csrf : undefined)
      : null;
    if (!access) throw new AppError('UNAUTHENTICATED', 'This session has ended: sign in again.');
    return access;
  }

  return async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/api/auth/login',
      {
        config: { access: 'public', ...perIp },
        schema: { tags: ['auth'], body: loginBody, response: { 200: sessionResponse } },
      },
      async (request, reply) => {
        const { code, totp, ...credentials } = request.body;
        const given = code ?? totp;
        const session = await auth.login(
          { ...credentials, ...(given === undefined ? {} : { totp: given }) },
          requestContext(request),
        );
        setSessionCookies(reply, session, cookies);
        return sessionJson(session);
      },
    );

    app.post(
      REFRESH_PATH,
      {
        // Public at the gate: a console whose access token has expired presents its refresh cookie
        // (plus the session's X-CSRF-Token) instead; API clients refresh with their bearer token.
        config: { access: 'public' },
        schema: { tags: ['auth'], body: noBody, response: { 200: accessTokenResponse } },
      },
      async (request, reply) => {
        const access = await refreshAccess(request);
        setSessionCookies(reply, access, cookies);
        return tokenJson(access);
      },
    );

    app.post(
      '/api/auth/logout',
      {
        config: { access: selfMfaPending },
        schema: { tags: ['auth'], body: noBody, response: { 204: z.null().describe('Signed out') } },
      },
      async (request, reply) => {
        await auth.logout(actorOf(request), requestContext(request));
        clearSessionCookies(reply, cookies);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/auth/mfa/enroll',
      {
        config: { access: selfMfaPending },
        schema: { tags: ['auth'], body: noBody, response: { 200: enrolResponse } },
      },
      async (request) => auth.enrollMfa(actorOf(request), requestContext(request)),
    );

    app.post(
      '/api/auth/mfa/verify',
      {
        config: { access: selfMfaPending, ...perIp },
        schema: { tags: ['auth'], body: codeBody, response: { 200: sessionResponse } },
      },
      async (request, reply) => {
        const session = await auth.verifyMfa(actorOf(request), request.body.code, requestContext(request));
        setSessionCookies(reply, session, cookies);
        return sessionJson(session);
      },
    );

    app.post(
      '/api/auth/step-up',
      {
        config: { access: self, ...perIp },
        schema: { tags: ['auth'], body: codeBody, response: { 200: stepUpResponse } },
      },
      async (request) => {
        const { stepUpUntil } = await auth.stepUp(
          actorOf(request),
          request.body.code,
          requestContext(request),
        );
        return { stepUpUntil: stepUpUntil.toISOString() };
      },
    );

    app.get(
      '/api/me',
      { config: { access: selfMfaPending }, schema: { tags: ['auth'], response: { 200: meResponse } } },
      async (request) => {
        const me = await auth.me(actorOf(request));
        return { ...me, session: { ...me.session, stepUpUntil: iso(me.session.stepUpUntil) } };
      },
    );

    app.get(
      '/api/operators',
      {
        config: { access: { permission: 'operators:read' } },
        schema: { tags: ['operators'], response: { 200: operatorListResponse } },
      },
      async () => {
        const list = await operators.listOperators();
        return { operators: list.map((o) => ({ ...o, createdAt: o.createdAt.toISOString() })) };
      },
    );

    app.get(
      '/api/invitations/:token',
      {
        config: { access: 'public', ...perIp },
        schema: { tags: ['setup'], params: invitationParams, response: { 200: invitationView } },
      },
      async (request, reply) => {
        const inv = await operators.viewInvitation(request.params.token);
        return reply
          .header('cache-control', 'no-store')
          .send({ ...inv, expiresAt: inv.expiresAt.toISOString() });
      },
    );

    // Accepting sets the person's own password and signs them in (MFA pending): the next step is
    // enrolling their own authenticator, as at any first sign-in.
    app.post(
      '/api/invitations/accept',
      {
        config: { access: 'public', ...perIp },
        schema: { tags: ['setup'], body: acceptInvitationBody, response: { 200: sessionResponse } },
      },
      async (request, reply) => {
        const ctx = requestContext(request);
        const op = await operators.acceptInvitation(request.body, ctx);
        const session = await auth.login({ email: op.email, password: request.body.password }, ctx);
        setSessionCookies(reply, session, cookies);
        return reply.header('cache-control', 'no-store').send(sessionJson(session));
      },
    );

    app.post(
      '/api/setup',
      {
        config: { access: 'public', ...perIp },
        schema: { tags: ['setup'], body: setupBody, response: { 201: setupResponse } },
      },
      async (request, reply) => {
        const operator = await operators.completeSetup(request.body, requestContext(request));
        return reply.status(201).send({ operator });
      },
    );
  };
}
