import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitOf } from './version.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('the commit the desk runs', () => {
  const dirs: string[] = [];
  const folder = (files: Record<string, string>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-commit-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
  };
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('a COMMIT file wins; a detached HEAD, a loose ref and a packed ref are read; anything else is null', () => {
    expect(commitOf(folder({ COMMIT: `${A}\n`, '.git/HEAD': B }))).toBe(A);
    expect(commitOf(folder({ COMMIT: 'not a sha' }))).toBeNull();
    expect(commitOf(folder({ '.git/HEAD': `${B}\n` }))).toBe(B);
    expect(
      commitOf(folder({ '.git/HEAD': 'ref: refs/heads/main\n', '.git/refs/heads/main': `${A}\n` })),
    ).toBe(A);
    expect(
      commitOf(
        folder({
          '.git/HEAD': 'ref: refs/heads/main\n',
          '.git/packed-refs': `# pack-refs\n${B} refs/heads/main\n`,
        }),
      ),
    ).toBe(B);
    expect(commitOf(folder({}))).toBeNull();
  });

  it("this checkout's commit is git's", () => {
    const root = path.resolve(import.meta.dirname, '../..');
    if (!fs.existsSync(path.join(root, '.git'))) return;
    const git = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root }).toString().trim();
    expect(commitOf(root)).toBe(git);
  });
});
