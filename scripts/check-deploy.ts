import { spawn, execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { composeSchemaErrors } from './compose-schema.js';

/**
 * The deploy/ checks that need no container engine (run by deploy/check.sh, so by .ci/run):
 *  1. deploy/Dockerfile against the rules below (hadolint is not on these machines);
 *  2. deploy/compose.yml: parsed (anchors and merge keys resolved), validated against the Compose
 *     specification's JSON schema (scripts/compose-schema.ts) and cross-checked;
 *  3. every Grafana panel's PromQL parsed by promtool (as recording rules);
 *  4. the image's CMD, exactly as written, run here against the compiled server (npm run build:server):
 *     it must reach /ready, and every metric the dashboard queries must be declared in its /metrics.
 * Exits non-zero naming each failure. What this cannot prove is listed in docs/operations.md.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const DEPLOY = path.join(ROOT, 'deploy');
const failures: string[] = [];
const check = (ok: boolean, what: string): void => {
  process.stdout.write(`  ${ok ? 'ok  ' : 'FAIL'}  ${what}\n`);
  if (!ok) failures.push(what);
};

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
export function dockerInstructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const m = /^(\S+)\s*(.*)$/.exec(l);
      return { op: (m?.[1] ?? '').toUpperCase(), args: m?.[2] ?? '' };
    });
}

const execForm = (args: string): string[] | undefined => {
  try {
    const v: unknown = JSON.parse(args);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
};

function lintDockerfile(ins: Instruction[]): string[] {
  process.stdout.write('== Dockerfile (deploy/Dockerfile)\n');
  const froms = ins.filter((i) => i.op === 'FROM');
  check(froms.length >= 2, 'multi-stage: more than one FROM');
  check(
    froms.every((f) => /^node:24[.\-\w]*\b/.test(f.args) && !/:latest\b/.test(f.args)),
    'every stage on a pinned Node 24 (LTS) image, none on :latest',
  );
  const lastFrom = ins.lastIndexOf(froms[froms.length - 1] as Instruction);
  const final = ins.slice(lastFrom);
  const user = final.filter((i) => i.op === 'USER').pop();
  check(user !== undefined && !/^(root|0)(:|$)/.test(user.args), 'final stage runs as a non-root USER');
  const hc = final.find((i) => i.op === 'HEALTHCHECK');
  check(hc !== undefined && hc.args.includes('/ready'), 'HEALTHCHECK probes /ready');
  const cmd = final.filter((i) => i.op === 'CMD').pop();
  const argv = cmd ? execForm(cmd.args) : undefined;
  check(argv !== undefined && argv[0] === 'node', 'CMD in exec form with node as PID 1 (signals reach it)');
  check(!final.some((i) => i.op === 'ENTRYPOINT'), 'no ENTRYPOINT wrapper in front of node');
  check(!argv?.some((a) => a.includes('tsx')), 'production runs compiled JavaScript, not tsx');
  check(
    !ins.some((i) => i.op === 'RUN' && /\bnpm (install|i)\b/.test(i.args)),
    'dependencies installed with npm ci (lockfile), never npm install',
  );
  check(
    ins.some((i) => i.op === 'RUN' && i.args.includes('--omit=dev')) &&
      !final.some((i) => i.op === 'RUN' && /\bnpm ci\b(?!.*--omit=dev)/.test(i.args)),
    'dev dependencies left out of the runtime stage (npm ci --omit=dev)',
  );
  check(
    ins.some((i) => i.op === 'RUN' && /npm run build\b/.test(i.args)),
    'the console is built (npm run build)',
  );
  check(
    !ins.some((i) => i.op === 'ADD' && /https?:\/\//.test(i.args)),
    'no ADD from a URL (nothing downloaded outside the package managers)',
  );
  check(
    !ins.some((i) => i.op === 'ENV' && /(KEY|TOKEN|SECRET|PASSWORD)\w*=/.test(i.args)),
    'no secret baked into ENV',
  );
  check(
    ins.every(
      (i) => i.op !== 'RUN' || !/\bapt-get install\b/.test(i.args) || /--no-install-recommends/.test(i.args),
    ),
    'apt-get install, if any, with --no-install-recommends',
  );
  return argv ?? [];
}

type Yaml = Record<string, unknown>;
const obj = (v: unknown): Yaml => (v && typeof v === 'object' ? (v as Yaml) : {});

function checkCompose(): void {
  process.stdout.write('== compose (deploy/compose.yml)\n');
  const parsed: unknown = parseYaml(fs.readFileSync(path.join(DEPLOY, 'compose.yml'), 'utf8'), {
    merge: true,
  });
  const schemaErrors = composeSchemaErrors(parsed);
  check(
    schemaErrors.length === 0,
    `conforms to the Compose specification's JSON schema${schemaErrors.length ? `: ${schemaErrors.join('; ')}` : ''}`,
  );
  const doc = obj(parsed);
  const services = obj(doc.services);
  const secrets = obj(doc.secrets);
  const volumes = obj(doc.volumes);
  for (const name of ['postgres', 'desk-api', 'desk-worker', 'prometheus', 'alertmanager', 'grafana']) {
    check(name in services, `service ${name}`);
  }
  check(String(obj(services.postgres).image).startsWith('postgres:15'), 'PostgreSQL 15');
  check(
    (obj(services.postgres).volumes as string[] | undefined)?.some((v) => v.startsWith('pgdata:')) ?? false,
    'PostgreSQL data on a named volume',
  );
  const cmd = (s: string) => (obj(services[s]).command as string[] | undefined)?.join(' ') ?? '';
  check(
    cmd('desk-api').endsWith('desk.js serve') && cmd('desk-worker').endsWith('desk.js worker'),
    'API and worker are separate processes',
  );
  for (const [name, svc] of Object.entries(services)) {
    const s = obj(svc);
    check(typeof s.image === 'string' && !s.image.endsWith(':latest'), `${name}: a pinned image`);
    for (const dep of Object.keys(obj(s.depends_on)))
      check(dep in services, `${name}: depends_on ${dep} exists`);
    for (const sec of (s.secrets as string[] | undefined) ?? [])
      check(sec in secrets, `${name}: secret ${sec} declared`);
    for (const v of (s.volumes as string[] | undefined) ?? []) {
      const src = v.split(':')[0] ?? '';
      if (src.startsWith('.'))
        check(
          src.includes('/secrets/') || fs.existsSync(path.join(DEPLOY, src)),
          `${name}: mounts ${src}, which exists`,
        );
      else check(src in volumes, `${name}: volume ${src} declared`);
    }
    const env = Object.entries(obj(s.environment));
    check(
      env.every(
        ([k, v]) =>
          !/(KEY|TOKEN|SECRET|PASSWORD|DATABASE_URL)S?$/.test(k) || String(v).startsWith('/run/secrets/'),
      ),
      `${name}: secrets come from files, never inline`,
    );
  }
}

function dashboardQueries(): string[] {
  const dash = JSON.parse(
    fs.readFileSync(path.join(DEPLOY, 'grafana/dashboards/usdt-desk.json'), 'utf8'),
  ) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  return dash.panels.flatMap((p) => p.targets.map((t) => t.expr));
}

function parsePromql(exprs: string[], work: string): void {
  process.stdout.write('== dashboard PromQL (promtool)\n');
  const rules = {
    groups: [
      { name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `dashboard:panel_${i}`, expr })) },
    ],
  };
  const file = path.join(work, 'dashboard-rules.json');
  fs.writeFileSync(file, JSON.stringify(rules));
  try {
    execFileSync('promtool', ['check', 'rules', file], { stdio: 'pipe' });
    check(true, `${exprs.length} panel queries parse`);
  } catch (err) {
    check(false, `panel queries parse: ${String((err as { stdout?: Buffer }).stdout ?? err)}`);
  }
}

/** Metric names a query reads (functions, keywords and label names left out), histogram suffixes folded. */
export function metricNames(expr: string): string[] {
  const noLabels = expr.replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '');
  const words = noLabels.match(/[a-zA-Z_:][a-zA-Z0-9_:]*(?!\s*\()/g) ?? [];
  const byClause = new Set(
    (noLabels.match(/\b(?:by|without)\s*\(([^)]*)\)/g) ?? []).flatMap((c) =>
      c
        .replace(/^\w+\s*\(/, '')
        .replace(')', '')
        .split(',')
        .map((s) => s.trim()),
    ),
  );
  return [
    ...new Set(
      words
        .filter((w) => w.startsWith('desk_') && !byClause.has(w))
        .map((w) => w.replace(/_(bucket|sum|count)$/, '')),
    ),
  ];
}

async function runImageCmd(argv: string[], work: string, exprs: string[]): Promise<void> {
  process.stdout.write(`== the image's CMD as-is: ${argv.join(' ')}\n`);
  const port = String(20000 + Math.floor(Math.random() * 20000));
  const { privateKey } = generateKeyPairSync('ed25519');
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: os.homedir(),
      NODE_ENV: 'production', // the Dockerfile's ENV, loopback instead of 0.0.0.0
      HOST: '127.0.0.1',
      PORT: port,
      DESK_DATA_DIR: path.join(work, 'data'),
      JWT_SIGNING_KEYS: `k1:${randomBytes(32).toString('base64url')}`,
      AUDIT_SIGNING_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  let ready = false;
  for (let i = 0; i < 240 && !ready && child.exitCode === null; i++) {
    ready = await fetch(`http://127.0.0.1:${port}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (!ready) await new Promise((r) => setTimeout(r, 500));
  }
  check(ready, `compiled server reached /ready${ready ? '' : `:\n${out.slice(-2000)}`}`);
  if (ready) {
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const declared = new Set([...metrics.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
    const wanted = [...new Set(exprs.flatMap(metricNames))];
    for (const m of wanted) check(declared.has(m), `dashboard metric ${m} in the desk's /metrics`);
  }
  child.kill('SIGTERM');
  const code = await exited;
  check(code === 0, `SIGTERM to node stops it cleanly (exit ${code})`);
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-deploy-check-'));
  fs.chmodSync(work, 0o755); // embedded PostgreSQL's initdb runs as another user when we are root
  try {
    const argv = lintDockerfile(dockerInstructions(fs.readFileSync(path.join(DEPLOY, 'Dockerfile'), 'utf8')));
    checkCompose();
    const exprs = dashboardQueries();
    parsePromql(exprs, work);
    if (!fs.existsSync(path.join(ROOT, 'dist/main/start.js')))
      throw new Error('run npm run build:server first');
    await runImageCmd(argv, work, exprs);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    process.stderr.write(`${failures.length} deploy check(s) failed\n`);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) await main();
