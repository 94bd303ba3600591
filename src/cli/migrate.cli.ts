import type { Command } from 'commander';
import { migrateAll } from '../main/database.js';
import { migrationStatus } from '../shared/migrate.js';
import { withDesk } from './context.js';

export function registerMigrateCommands(program: Command): void {
  const migrate = program.command('migrate').description('database migrations (forward-only)');
  migrate
    .command('status')
    .description('list migrations and whether each is applied')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withDesk(
        async ({ database }) => {
          const status = await migrationStatus(database.db);
          if (opts.json) return console.log(JSON.stringify(status));
          for (const m of status)
            console.log(
              `${m.appliedAt ? 'applied' : 'pending'}  ${m.name}${m.appliedAt ? `  ${m.appliedAt.toISOString()}` : ''}`,
            );
          const pending = status.filter((m) => !m.appliedAt).length;
          console.log(pending ? `${pending} pending: run \`desk migrate up\`` : 'up to date');
        },
        { migrate: false },
      );
    });
  migrate
    .command('up')
    .description('apply every pending migration')
    .action(async () => {
      await withDesk(
        async ({ database }) => {
          const applied = await migrateAll(database);
          console.log(applied.length ? `applied: ${applied.join(', ')}` : 'already up to date');
        },
        { migrate: false },
      );
    });
}
