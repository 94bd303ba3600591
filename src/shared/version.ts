import fs from 'node:fs';
import path from 'node:path';

/**
 * The desk's version: package.json's, the one place it is written. Read from disk (not imported) so
 * the compiled server in dist/ (`npm run build:server`) finds the same file two folders up.
 */
export const VERSION: string = (
  JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as {
    version: string;
  }
).version;
