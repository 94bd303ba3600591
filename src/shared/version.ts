import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * The desk's version: package.json's, the one place it is written. Read from disk (not imported) so
 * the compiled server in dist/ (`npm run build:server`) finds the same file two folders up.
 */
export const VERSION: string = (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

const SHA = /^[0-9a-f]{40}$/;
const readOrNull = (file: string): string | null => {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
};

/**
 * The commit the desk runs: a `COMMIT` file beside package.json (an image build writes it, as there is
 * no .git in an image), else the git checkout's HEAD (read from .git, no git binary needed), else null.
 */
export function commitOf(root: string): string | null {
  const file = readOrNull(path.join(root, 'COMMIT'));
  if (file !== null) return SHA.test(file) ? file : null;
  const head = readOrNull(path.join(root, '.git', 'HEAD'));
  if (head === null) return null;
  if (SHA.test(head)) return head; // a detached HEAD
  const ref = /^ref: (refs\/[^\s]+)$/.exec(head)?.[1];
  if (!ref) return null;
  const loose = readOrNull(path.join(root, '.git', ref));
  if (loose !== null) return SHA.test(loose) ? loose : null;
  const packed = readOrNull(path.join(root, '.git', 'packed-refs')) ?? '';
  for (const line of packed.split('\n')) {
    const [sha, name] = line.trim().split(' ');
    if (name === ref && sha && SHA.test(sha)) return sha;
  }
  return null;
}

export const COMMIT: string | null = commitOf(ROOT);
