import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * Lints .github/workflows/ci.yml (run by .ci/run): the workflow's shape as GitHub Actions reads it
 * (triggers, jobs with runs-on and steps, each step exactly one of `uses`/`run`, actions pinned to a
 * version, least-privilege permissions, a timeout), and that it runs every command .ci/run runs.
 * A structural check written here, not GitHub's own schema: see docs/operations.md.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const failures: string[] = [];
const check = (ok: boolean, what: string): void => {
  process.stdout.write(`  ${ok ? 'ok  ' : 'FAIL'}  ${what}\n`);
  if (!ok) failures.push(what);
};
type Node = Record<string, unknown>;
const obj = (v: unknown): Node => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : {});

const file = path.join(ROOT, '.github/workflows/ci.yml');
const text = fs.readFileSync(file, 'utf8');
const wf = obj(parseYaml(text));
process.stdout.write('== workflow (.github/workflows/ci.yml)\n');
const known = new Set(['name', 'on', 'permissions', 'concurrency', 'env', 'defaults', 'jobs', 'run-name']);
check(
  Object.keys(wf).every((k) => known.has(k)),
  'only keys GitHub Actions knows at the top level',
);
check(wf.on !== undefined, 'has triggers (on:)');
check(
  Object.values(obj(wf.permissions)).every((v) => v === 'read' || v === 'none'),
  'permissions are read-only',
);
const jobs = Object.entries(obj(wf.jobs));
check(jobs.length > 0, 'has jobs');
const runs: string[] = [];
for (const [name, j] of jobs) {
  const job = obj(j);
  check(typeof job['runs-on'] === 'string', `${name}: runs-on`);
  check(
    typeof job['timeout-minutes'] === 'number' && job['timeout-minutes'] <= 30,
    `${name}: a timeout of at most 30 minutes`,
  );
  const steps = Array.isArray(job.steps) ? (job.steps as unknown[]).map(obj) : [];
  check(steps.length > 0, `${name}: has steps`);
  steps.forEach((s, i) => {
    check('uses' in s !== 'run' in s, `${name} step ${i + 1}: exactly one of uses/run`);
    if (typeof s.uses === 'string')
      check(/^[\w.-]+\/[\w.-]+@v?\d/.test(s.uses), `${name} step ${i + 1}: ${s.uses} pinned to a version`);
    if (typeof s.run === 'string') runs.push(s.run);
  });
}
process.stdout.write('== does what .ci/run does\n');
const ci = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
const commands = [...ci.matchAll(/(npm (?:run [\w:-]+|test|ci)|bash [\w./-]+|npx tsx [\w./-]+)/g)].map(
  (m) => m[1] as string,
);
const all = runs.join('\n');
for (const c of new Set(commands)) check(all.includes(c), `runs \`${c}\``);
if (failures.length > 0) {
  process.stderr.write(`${failures.length} workflow check(s) failed\n`);
  process.exit(1);
}
