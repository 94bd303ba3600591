import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { withDesk } from './context.js';
import { backupDatabase, manifestPathOf } from './db.backup.js';
import { printChecks, runChecks } from './db.checks.js';
import { openTarget, restoreDatabase } from './db.restore.js';
import { DbCommandError } from './db.tools.js';

const err = (line: string) => process.stderr.write(`${line}\n`);

/** One-line failures for what a person can fix (no pg_dump, a changed dump, a non-empty target…). */
async function oneLine(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof DbCommandError)) throw e;
    err(`desk: ${e.message}`);
    process.exitCode = 1;
  }
}

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('backup, verified restore and integrity checks');

  db.command('backup')
    .description('pg_dump -Fc of the database while the desk runs, one snapshot, with a manifest beside it')
    .requiredOption('--out <file>', 'the dump; the manifest is written as <file>.manifest.json')
    .option('--json', 'print the manifest on stdout')
    .action((opts: { out: string; json?: boolean }) =>
      oneLine(() =>
        withDesk(
          async ({ database }) => {
            const m = await backupDatabase(database.db, database.url, opts.out);
            if (opts.json) return console.log(JSON.stringify(m, null, 2));
            console.log(`wrote ${opts.out} (${m.bytes} bytes, sha256 ${m.sha256})`);
            console.log(`  manifest ${manifestPathOf(opts.out)}`);
            console.log(
              `  PostgreSQL ${m.server.version}, migration ${m.lastMigration ?? 'none'}, audit head seq ${m.audit.head.seq}`,
            );
          },
          { migrate: false },
        ),
      ),
    );

  db.command('restore')
    .description('check the dump against its manifest, restore it, then verify what was restored')
    .argument('<file>', 'a dump written by `desk db backup` (its manifest beside it)')
    .option('--database-url <url>', 'restore into this PostgreSQL database')
    .option('--data-dir <dir>', 'restore into the embedded PostgreSQL of this data folder')
    .option('--force', 'replace the contents of a target that is not empty')
    .action((file: string, opts: { databaseUrl?: string; dataDir?: string; force?: boolean }) =>
      oneLine(async () => {
        if (opts.databaseUrl && opts.dataDir)
          throw new DbCommandError('give --database-url or --data-dir, not both');
        const config = loadConfig();
        const target = await openTarget(
          opts.databaseUrl || opts.dataDir
            ? opts
            : { databaseUrl: config.DATABASE_URL, dataDir: config.dataDir },
        );
        try {
          const { checks } = await restoreDatabase(file, target, { force: opts.force });
          const ok = printChecks(checks, (l) => console.log(l));
          if (!ok)
            throw new DbCommandError(`restored into ${target.label}, but it does not verify (see above)`);
          console.log(`OK restored ${file} into ${target.label}`);
        } finally {
          await target.close();
        }
      }),
    );

  db.command('verify')
    .description('check the live database: migrations, audit chain against its signatures, ledger balances')
    .option('--json', 'print the checks as JSON')
    .action((opts: { json?: boolean }) =>
      oneLine(() =>
        withDesk(
          async ({ database }) => {
            const checks = await runChecks(database.db);
            const ok = opts.json
              ? (console.log(JSON.stringify(checks, null, 2)), checks.every((c) => c.ok))
              : printChecks(checks, (l) => console.log(l));
            if (!ok) process.exitCode = 1;
          },
          { migrate: false },
        ),
      ),
    );
}
