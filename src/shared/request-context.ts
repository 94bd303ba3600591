import type { FastifyRequest } from 'fastify';
import type { Role } from './roles.js';

/** Who can appear as the actor of an audit event. `database` is a change made in SQL, outside the desk. */
export type ActorType = 'operator' | 'client' | 'system' | 'cli' | 'database';

/** Who did something, and where the request came from. HTTP routes build it from the request. */
export interface AuditContext {
  actorType: ActorType;
  actorId?: string | null;
  requestId?: string | null;
  ip?: string | null;
}

/** The signed-in operator behind an HTTP request (set by the access control of src/http). */
export interface Actor {
  operatorId: string;
  sessionId: string;
  roles: Role[];
  mfaVerified: boolean;
  stepUpUntil: Date | null;
  /** When the session itself ends (not the access token): long-lived streams close then. */
  sessionExpiresAt: Date;
  via: 'bearer' | 'cookie';
  /** For cookie sessions: the value the X-CSRF-Token header must carry on mutations. */
  csrfToken?: string;
}

/** Supplied by the operators domain: resolves the caller from the bearer token or session cookie. */
export interface Authenticator {
  authenticate(request: FastifyRequest): Promise<Actor | null>;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
}

/** Who is calling and from where, for audit events written by the domain services. */
export function auditContext(request: FastifyRequest): AuditContext {
  return {
    actorType: request.actor ? 'operator' : 'system',
    actorId: request.actor?.operatorId ?? null,
    requestId: String(request.id),
    ip: request.ip,
  };
}
