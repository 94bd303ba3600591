import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS_FILE, compileContracts } from './contracts.compile.js';

describe('the local chain contracts', () => {
  it('contracts/artifacts.json is what the sources compile to (solc from npm, offline)', () => {
    const committed = JSON.parse(fs.readFileSync(ARTIFACTS_FILE, 'utf8')) as unknown;
    expect(committed).toEqual(compileContracts());
  }, 60_000);
});
