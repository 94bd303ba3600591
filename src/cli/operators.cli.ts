import type { Command } from 'commander';
import { formatTable } from './table.js';
import { cliUser, fail, readStdin, runOrFail, withDesk } from './context.js';
import { ROLES } from '../shared/roles.js';

/** `desk operators add|list`: account management for whoever runs the desk's host (audited as `cli`). */
export function registerOperatorCommands(program: Command): void {
  const operators = program.command('operators').description('operator accounts');

  operators
    .command('add')
    .description('create an operator; the password is read from stdin, never from the command line')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--name <name>', 'display name')
    .requiredOption(
      '--role <role>',
      `role to grant, repeatable (${ROLES.join(', ')})`,
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--password-stdin', 'read the password from stdin (required)')
    .option('--json', 'print {"id": …} as JSON')
    .action(
      async (opts: {
        email: string;
        name: string;
        role: string[];
        passwordStdin?: boolean;
        json?: boolean;
      }) => {
        if (!opts.passwordStdin)
          return fail(
            'pass the password on stdin with --password-stdin, e.g. `printf %s "$PW" | desk operators add … --password-stdin`',
          );
        if (process.stdin.isTTY) process.stderr.write('password (then Enter and Ctrl-D): ');
        const password = await readStdin();
        await runOrFail(async () => {
          await withDesk(async ({ desk }) => {
            const created = await desk.services.operators.createOperator(
              { email: opts.email, name: opts.name, roles: opts.role, password },
              { actorType: 'cli', actorId: cliUser(), requestId: null, ip: null },
            );
            console.log(opts.json ? JSON.stringify({ id: created.id }) : created.id);
          });
        });
      },
    );

  operators
    .command('list')
    .description('list operators')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await runOrFail(async () => {
        await withDesk(async ({ desk }) => {
          const list = await desk.services.operators.listOperators();
          if (opts.json) return console.log(JSON.stringify(list));
          if (list.length === 0)
            return console.log(
              'no operators yet: run `desk operators add` or open the setup URL the desk printed',
            );
          console.log(
            formatTable(
              ['ID', 'EMAIL', 'ROLES', 'STATUS', 'MFA', 'TELEGRAM'],
              list.map((o) => [
                o.id,
                o.email,
                o.roles.join(',') || '-',
                o.status,
                o.mfaEnrolled ? 'enrolled' : 'not enrolled',
                o.telegramLinked ? 'linked' : '-',
              ]),
            ),
          );
        });
      });
    });
}
