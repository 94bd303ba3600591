import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { composeSchemaErrors } from '../scripts/compose-schema.js';

const COMPOSE = path.resolve(import.meta.dirname, '../deploy/compose.yml');
const committed = () => parse(fs.readFileSync(COMPOSE, 'utf8'), { merge: true }) as Record<string, unknown>;

describe("deploy/compose.yml against the Compose specification's JSON schema", () => {
  it('the committed file conforms', () => {
    expect(composeSchemaErrors(committed())).toEqual([]);
  });

  it('refuses what the specification refuses: an unknown service key, a wrong type, a bad project name', () => {
    const doc = committed();
    const services = doc.services as Record<string, Record<string, unknown>>;
    services['desk-api']!.restart_polcy = 'always';
    services['desk-worker']!.ports = 9090;
    doc.name = 'USDT Desk';
    const errors = composeSchemaErrors(doc);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/services\/desk-api .*additional properties \(restart_polcy\)/),
        expect.stringMatching(/^\/services\/desk-worker\/ports must be array/),
        expect.stringMatching(/^\/name must match pattern/),
      ]),
    );
  });
});
