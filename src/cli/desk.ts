import { Command } from 'commander';
import { exitWithError, runUntilSignal } from '../main/process.js';
import { runDesk } from '../main/run.js';
import { VERSION } from '../shared/version.js';
import { registerMigrateCommands } from './migrate.cli.js';
import { registerOperatorCommands } from './operators.cli.js';
import { registerAuditCommands } from './audit.cli.js';
import { registerWalletCommands } from './wallets.cli.js';
import { registerAlertCommands } from './alerts.cli.js';
import { registerDbCommands } from './db.cli.js';
import { registerSecretsCommands } from './secrets.cli.js';

/** `desk`: one command for operating the desk; each group of subcommands has its own file here (`<domain>.cli.ts`), calling the domains' services. */
const program = new Command('desk').description('usdt-desk operations').version(VERSION);

program
  .command('serve')
  .description('run the HTTP API only (scale API nodes horizontally)')
  .action(() =>
    runUntilSignal(
      (signal) => runDesk({ http: true, worker: false, signal }),
      (m) => process.stderr.write(`${m}\n`),
    ),
  );
program
  .command('worker')
  .description('run the job worker only')
  .action(() =>
    runUntilSignal(
      (signal) => runDesk({ http: false, worker: true, signal }),
      (m) => process.stderr.write(`${m}\n`),
    ),
  );

registerMigrateCommands(program);
registerOperatorCommands(program);
registerAuditCommands(program);
registerWalletCommands(program);
registerAlertCommands(program);
registerDbCommands(program);
registerSecretsCommands(program);

program.parseAsync(process.argv).catch(exitWithError);
