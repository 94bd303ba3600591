import type { FastifySerializerCompiler } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** The paths of the properties a route returned that its response schema left out of the reply. */
export function droppedPaths(given: unknown, sent: unknown, path = ''): string[] {
  if (Array.isArray(given) && Array.isArray(sent))
    return given.flatMap((g, i) => droppedPaths(g, sent[i], `${path}[${i}]`));
  if (!isPlainObject(given) || !isPlainObject(sent)) return [];
  return Object.entries(given).flatMap(([key, value]) => {
    const at = path ? `${path}.${key}` : key;
    if (value === undefined) return [];
    return key in sent ? droppedPaths(value, sent[key], at) : [at];
  });
}

/**
 * Replies are checked against the route's zod response schema, which strips what it does not name. So
 * that a schema can never silently hide a field the console reads, `strict` (the test suite) refuses a
 * reply that loses a property; in production the schema's shape is what is sent.
 */
export function responseSerializer(strict: boolean): FastifySerializerCompiler<unknown> {
  return (route) => {
    const serialize = serializerCompiler(route as Parameters<typeof serializerCompiler>[0]);
    if (!strict) return serialize;
    return (data) => {
      const json = serialize(data);
      const dropped = droppedPaths(data, JSON.parse(json) as unknown);
      if (dropped.length > 0)
        throw new Error(
          `${route.method} ${route.url}: the response schema drops ${dropped.slice(0, 5).join(', ')}`,
        );
      return json;
    };
  };
}
