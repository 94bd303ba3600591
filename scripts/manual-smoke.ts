/**
 * The smoke run after a deployment: `npm run smoke -- --url URL --operator email:password:totpSecret …`
 * walks the critical journeys (docs/operations.md, "Smoke run") and writes REPORT.md with the evidence
 * of each step; exits 1 if any step failed, 2 on a usage error.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { SmokeHttp } from './smoke/http.js';
import { parseCredentials, readCredentialsFile, type Credentials } from './smoke/operators.js';
import { renderReport, type StepResult } from './smoke/report.js';
import { STEPS, type SmokeContext } from './smoke/steps.js';

const ROOT = path.resolve(import.meta.dirname, '..');

const program = new Command('smoke')
  .description('smoke-test a running desk and write REPORT.md')
  .requiredOption('--url <url>', 'the desk, e.g. https://desk.example.com')
  .option(
    '--operator <email:password:totpSecret>',
    'an enrolled operator (repeatable; three distinct people)',
    (v: string, prev: string[]) => [...prev, v],
    [],
  )
  .option('--operators-file <file>', 'one email:password:totpSecret a line')
  .option(
    '--client-key <key>',
    'a client API key (usdk_…) for the RFQ and accept; without it that step is skipped',
  )
  .option('--network <network>', 'the network of the RFQ (tron or ethereum; paper only)', 'tron')
  .option('--report <file>', 'where to write the report', 'REPORT.md')
  .exitOverride();

function smokeCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  try {
    program.parse(process.argv);
  } catch {
    return 2;
  }
  const opts = program.opts<{
    url: string;
    operator: string[];
    operatorsFile?: string;
    clientKey?: string;
    network: string;
    report: string;
  }>();
  let credentials: Credentials[];
  try {
    credentials = [
      ...opts.operator.map(parseCredentials),
      ...(opts.operatorsFile ? readCredentialsFile(opts.operatorsFile) : []),
    ];
  } catch (err) {
    process.stderr.write(`smoke: ${(err as Error).message}\n`);
    return 2;
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-smoke-'));
  const ctx: SmokeContext = {
    http: new SmokeHttp(opts.url),
    credentials,
    clientKey: opts.clientKey ?? process.env.SMOKE_CLIENT_KEY ?? null,
    network: opts.network,
    scratch,
    root: ROOT,
    operators: [],
    version: null,
    commit: null,
  };
  const startedAt = new Date();
  const results: StepResult[] = [];
  for (const step of STEPS) {
    const mark = ctx.http.calls.length;
    const t0 = performance.now();
    let result: Omit<StepResult, 'evidence' | 'ms'>;
    try {
      const out = await step.run(ctx);
      result =
        typeof out === 'string'
          ? { name: step.name, outcome: 'pass', detail: out }
          : { name: step.name, outcome: 'skipped', detail: out.skipped };
    } catch (err) {
      result = { name: step.name, outcome: 'fail', detail: (err as Error).message };
    }
    const full = { ...result, evidence: ctx.http.since(mark), ms: Math.round(performance.now() - t0) };
    results.push(full);
    process.stdout.write(`${full.outcome.toUpperCase().padEnd(7)} ${full.name}: ${full.detail}\n`);
  }
  fs.rmSync(scratch, { recursive: true, force: true });
  const report = renderReport(
    {
      url: opts.url,
      startedAt,
      finishedAt: new Date(),
      deskVersion: ctx.version,
      deskCommit: ctx.commit,
      smokeCommit: smokeCommit(),
    },
    results,
  );
  fs.writeFileSync(opts.report, report);
  const failed = results.filter((r) => r.outcome === 'fail').length;
  process.stdout.write(`${failed ? `FAIL: ${failed} step(s) failed` : 'PASS'}; report: ${opts.report}\n`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
