import type { Command } from 'commander';
import { formatTable } from './table.js';
import { cliUser, fail, runOrFail, withDesk } from './context.js';
import { ROLES } from '../shared/roles.js';

/** `desk operators add|invite|list`, `desk bootstrap status|end`: for whoever runs the desk's host (audited as `cli`). */
export function registerOperatorCommands(program: Command): void {
  const operators = program.command('operators').description('operator accounts');

  operators
    .command('add')
    .description(
      'create an operator and print their one-time invitation link (they set their own password and MFA)',
    )
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--name <name>', 'display name')
    .option(
      '--role <role>',
      `role to grant directly, repeatable (${ROLES.join(', ')}); only during the bootstrap, else with --break-glass`,
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--break-glass', 'grant --role after the bootstrap: audited, told to every admin, reviewed')
    .option('--reason <text>', 'why (required with --break-glass)')
    .option('--password-stdin', 'refused: the person sets their own password through the invitation')
    .option('--json', 'print {"id", "invitationUrl", "expiresAt", "grant", "reviewId"} as JSON')
    .action(
      async (opts: {
        email: string;
        name: string;
        role: string[];
        breakGlass?: boolean;
        reason?: string;
        passwordStdin?: boolean;
        json?: boolean;
      }) => {
        if (opts.passwordStdin)
          return fail(
            'operators set their own password: drop --password-stdin and pass them the invitation link this prints',
          );
        if (opts.breakGlass && opts.role.length === 0) return fail('--break-glass needs at least one --role');
        if (opts.breakGlass && opts.reason === undefined)
          return fail('--break-glass needs --reason "why this cannot wait for a co-signed request"');
        if (!opts.breakGlass && opts.reason !== undefined) return fail('--reason goes with --break-glass');
        await runOrFail(async () => {
          await withDesk(async ({ desk }) => {
            const created = await desk.services.operators.createOperator(
              {
                email: opts.email,
                name: opts.name,
                roles: opts.role,
                ...(opts.breakGlass ? { breakGlassReason: opts.reason ?? '' } : {}),
              },
              { actorType: 'cli', actorId: cliUser(), requestId: null, ip: null },
            );
            const out = {
              id: created.operator.id,
              invitationUrl: created.invitation.url,
              expiresAt: created.invitation.expiresAt.toISOString(),
              grant: created.grant,
              reviewId: created.reviewId,
            };
            if (opts.json) return console.log(JSON.stringify(out));
            console.log(created.operator.id);
            console.log(`invitation (once, valid until ${out.expiresAt}): ${out.invitationUrl}`);
            if (created.grant === 'break-glass')
              console.log(
                `break-glass grant: every platform_admin was told; review ${created.reviewId} awaits another admin`,
              );
          });
        });
      },
    );

  operators
    .command('invite')
    .description(
      'a new invitation link for an operator who has not accepted theirs (the old one stops working)',
    )
    .argument('<id>', 'operator id')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      await runOrFail(async () => {
        await withDesk(async ({ desk }) => {
          const inv = await desk.services.operators.reissueInvitation(id, {
            actorType: 'cli',
            actorId: cliUser(),
            requestId: null,
            ip: null,
          });
          const out = { invitationUrl: inv.url, expiresAt: inv.expiresAt.toISOString() };
          console.log(
            opts.json ? JSON.stringify(out) : `${out.invitationUrl}\t(valid until ${out.expiresAt})`,
          );
        });
      });
    });

  const bootstrap = program.command('bootstrap').description('the founding team phase of a new desk');
  bootstrap
    .command('status')
    .description('whether roles may still be granted directly (until the first decided change request)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await runOrFail(async () => {
        await withDesk(async ({ desk }) => {
          const s = await desk.services.operators.bootstrap.status();
          if (opts.json) return console.log(JSON.stringify(s));
          console.log(
            s.active
              ? 'bootstrap: active (roles may be granted directly with desk operators add --role)'
              : `bootstrap: over since ${s.endedAt?.toISOString() ?? '?'} (${s.endedBy === 'explicit' ? `ended: ${s.reason ?? ''}` : 'the first change request was decided'})`,
          );
        });
      });
    });
  bootstrap
    .command('end')
    .description('leave the bootstrap now: from here on roles come only from co-signed requests')
    .requiredOption('--reason <text>', 'why')
    .action(async (opts: { reason: string }) => {
      await runOrFail(async () => {
        await withDesk(async ({ desk }) => {
          await desk.services.operators.bootstrap.end(opts.reason, {
            actorType: 'cli',
            actorId: cliUser(),
            requestId: null,
            ip: null,
          });
          console.log('bootstrap: over');
        });
      });
    });

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
