import type { FastifyRequest } from 'fastify';
import type { AuditContext } from '../audit/audit.service.js';

/** Who is calling and from where, for audit events written by the domain services. */
export function auditContext(request: FastifyRequest): AuditContext {
  return {
    actorType: request.actor ? 'operator' : 'system',
    actorId: request.actor?.operatorId ?? null,
    requestId: String(request.id),
    ip: request.ip,
  };
}
