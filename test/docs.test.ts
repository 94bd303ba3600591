import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTING_NAMES } from '../src/config.js';

const root = path.resolve(import.meta.dirname, '..');
const read = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');

describe('documentation stays true to the code', () => {
  it('every setting is in the README configuration table and in .env.example', () => {
    const readme = read('README.md');
    const example = read('.env.example');
    for (const name of SETTING_NAMES) {
      expect(readme, `README.md lacks ${name}`).toContain(`\`${name}\``);
      expect(example, `.env.example lacks ${name}`).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
    }
  });

  it('the README shows the two commands', () => {
    const readme = read('README.md');
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm install && npm test');
  });
});
