import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { auditContext } from '../shared/request-context.js';
import { exportQuery, searchQuery, searchResponse } from './audit.schemas.js';
import type { AuditService } from './audit.service.js';

/** Search and export of the audit trail, for auditors, risk officers and platform admins. */
export function auditRoutes(deps: { audit: AuditService }): FastifyPluginAsync {
  const { audit } = deps;
  return async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/api/audit',
      {
        config: { access: { permission: 'audit:read' } },
        schema: {
          tags: ['audit'],
          summary: 'Search audit events, newest first',
          querystring: searchQuery,
          response: { 200: searchResponse },
        },
      },
      async (request) => audit.search(request.query),
    );

    app.get(
      '/api/audit/export',
      {
        config: { access: { permission: 'audit:export' } },
        schema: {
          tags: ['audit'],
          summary: 'Stream a verifiable export (verify it with `desk audit verify FILE`)',
          querystring: exportQuery,
        },
      },
      async (request, reply) => {
        const { format, ...filter } = request.query;
        const file = await audit.export(format, filter, auditContext(request));
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        return reply
          .header('content-type', file.contentType)
          .header('content-disposition', `attachment; filename="audit-${stamp}.${format}"`)
          .header('cache-control', 'no-store')
          .send(Readable.from(file.chunks, { objectMode: false }));
      },
    );
  };
}
