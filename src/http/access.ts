import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../shared/request-context.js';
import { can, type Permission } from '../operators/operators.permissions.js';
import { AppError } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';

/**
 * Every route declares who may call it in `config.access`; a route without one cannot be
 * registered. `public` needs nothing; otherwise the caller must be a signed-in operator holding the
 * permission, with MFA verified (unless `mfaPending` allows an enrolment-only session) and, for
 * decisions, a step-up within the window. `client-key` routes (the client API) are authenticated by
 * their own plugin from a client API key, and answer 401 without one.
 */
export type Access =
  'public' | 'client-key' | { permission: Permission; mfaPending?: boolean; stepUp?: boolean };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}

export interface RegisteredRoute {
  method: string;
  url: string;
  access: Access | undefined;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Compares a presented secret in constant time (for equal lengths), so response timing says nothing of the expected one. */
function sameSecret(given: string | string[] | undefined, expected: string | undefined): boolean {
  if (typeof given !== 'string' || !expected) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function installAccessControl(
  app: FastifyInstance,
  auth: Authenticator,
  clock: Clock,
  routes: RegisteredRoute[],
): void {
  app.decorateRequest('actor', null);

  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, access });
    if (!access)
      throw new Error(`route ${String(route.method)} ${route.url} declares no access rule (config.access)`);
  });

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (!access || access === 'public' || access === 'client-key') return;
    const actor = await auth.authenticate(request);
    if (!actor)
      throw new AppError(
        'UNAUTHENTICATED',
        'Sign in first: this needs an operator session or a bearer token.',
      );
    request.actor = actor;
    if (
      actor.via === 'cookie' &&
      MUTATING.has(request.method) &&
      !sameSecret(request.headers['x-csrf-token'], actor.csrfToken)
    ) {
      throw new AppError(
        'CSRF_REQUIRED',
        'Requests authenticated by cookie must send the X-CSRF-Token header.',
      );
    }
    if (!actor.mfaVerified && !access.mfaPending) {
      throw new AppError(
        'MFA_ENROLMENT_REQUIRED',
        'Enrol an authenticator app (POST /api/auth/mfa/enroll) before using the desk.',
      );
    }
    if (!can(actor.roles, access.permission)) {
      throw new AppError('FORBIDDEN', `Your roles do not allow this (${access.permission}).`);
    }
    if (access.stepUp && !(actor.stepUpUntil && actor.stepUpUntil > clock.now())) {
      throw new AppError(
        'STEP_UP_REQUIRED',
        'Confirm with a fresh authenticator code (POST /api/auth/step-up) to make this decision.',
      );
    }
  });
}
