import { Command } from 'commander';
import { registerAuditCommands } from '../src/cli/audit.cli.js';
import { countStatements } from './statements.js';

/**
 * `tsx bench/audit.child.ts export|verify …`: runs one `desk audit` command (the CLI's own code, as
 * `desk audit …` would) in a process of its own, so its peak RSS is the command's alone, and prints
 * how long the command took (modules already loaded), its CPU time, peak RSS and statements as the
 * last line: `BENCH {json}`.
 */
const program = new Command('desk').exitOverride();
registerAuditCommands(program);
const cpu = process.cpuUsage();
const t0 = performance.now();
const counted = await countStatements(() =>
  program.parseAsync(['audit', ...process.argv.slice(2)], { from: 'user' }),
);
const seconds = (performance.now() - t0) / 1000;
const used = process.cpuUsage(cpu);
process.stdout.write(
  `BENCH ${JSON.stringify({
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    statements: counted.statements,
    roundTrips: counted.roundTrips,
    exitCode: process.exitCode ?? 0,
  })}\n`,
);
