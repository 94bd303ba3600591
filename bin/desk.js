#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx desk …` works without a build step. A SIGTERM sent to
// this wrapper is passed on (`kill <pid>` of `desk worker` stops it cleanly instead of orphaning it);
// Ctrl-C already reaches the whole process group, so SIGINT is left to the child. The exit status is the child's.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const child = spawn(tsx, [path.join(root, 'src/cli/desk.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.on('SIGTERM', () => child.kill('SIGTERM'));
process.on('SIGINT', () => undefined);
child.on('error', (err) => {
  process.stderr.write(`desk: cannot run ${tsx}: ${err.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? 128 + (os.constants.signals[signal] ?? 1)));
