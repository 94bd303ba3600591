import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../shared/errors.js';

const CONSOLE_DIR = path.resolve(import.meta.dirname, '../../web/dist');

/**
 * Serves the ops console (the Vite build in web/dist) at `/`. Unknown paths outside /api fall back to
 * index.html so the console's own router can answer them; /api stays JSON and problem+json.
 */
export function consoleRoutes(deps: { dir?: string } = {}): FastifyPluginAsync {
  const dir = deps.dir ?? CONSOLE_DIR;
  return async (app) => {
    const built = fs.existsSync(path.join(dir, 'index.html'));
    if (built) await app.register(fastifyStatic, { root: dir, serve: false });

    app.get('/*', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
      const url = request.url.split('?')[0] ?? '/';
      if (url.startsWith('/api/') || url === '/api')
        throw new AppError(
          'NOT_FOUND',
          `Nothing lives at GET ${url.length > 200 ? `${url.slice(0, 200)}…` : url}.`,
        );
      if (!built) {
        return reply
          .type('text/plain; charset=utf-8')
          .status(503)
          .send(
            'The ops console is not built yet: run `npm run build` (npm start does this when web/dist is missing).\n',
          );
      }
      const file = path.normalize(decodeURIComponent(url)).replace(/^(\.\.[/\\])+/, '');
      const candidate = path.join(dir, file);
      if (
        file !== '/' &&
        candidate.startsWith(dir) &&
        fs.existsSync(candidate) &&
        fs.statSync(candidate).isFile()
      ) {
        // Hashed assets never change; index.html must always be revalidated.
        if (file.startsWith('/assets/')) reply.header('cache-control', 'public, max-age=31536000, immutable');
        return reply.sendFile(file.slice(1));
      }
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    });
  };
}
