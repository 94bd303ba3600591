import type { Command } from 'commander';
import { formatTable } from './table.js';
import { cliUser, fail, runOrFail, withDesk } from './context.js';
import type { KeyPurpose } from '../secrets/secrets.tables.js';
import { readNewToken, rotateTelegram } from './secrets.telegram.js';
import { TELEGRAM_GRACE_SECONDS } from '../secrets/secrets.service.js';

const PURPOSES: Record<string, Exclude<KeyPurpose, 'telegram'>> = {
  jwt: 'jwt',
  'audit-key': 'audit',
  'data-key': 'data',
};
const by = () => ({ actorType: 'cli' as const, actorId: cliUser(), requestId: null, ip: null });

/** `desk secrets rotate|prune|status`: key rotation while every desk keeps running (docs/operations.md). */
export function registerSecretsCommands(program: Command): void {
  const secrets = program.command('secrets').description('rotate the desk’s keys without downtime');

  secrets
    .command('rotate')
    .description('make a new key and sign (or encrypt) with it from now on; old keys keep verifying')
    .argument('<what>', 'jwt | audit-key | data-key | telegram')
    .option('--token-file <file>', 'telegram: the new bot token from BotFather (- reads stdin)')
    .option('--json', 'print the result as JSON')
    .action(async (what: string, opts: { json?: boolean; tokenFile?: string }) => {
      if (what === 'telegram') return rotateTelegramCommand(opts);
      const purpose = PURPOSES[what];
      if (!purpose) return fail(`cannot rotate ${what}: choose jwt, audit-key, data-key or telegram`);
      await runOrFail(() =>
        withDesk(async ({ desk }) => {
          const r = await desk.services.secrets.rotate(purpose, by());
          if (opts.json) return console.log(JSON.stringify(r));
          console.log(`${what}: new key ${r.id} is current; retired ${r.retired.join(', ') || '(none)'}`);
          if (r.reencrypted !== undefined)
            console.log(`  re-encrypted ${r.reencrypted} TOTP secrets under it`);
          if (purpose === 'jwt') console.log('  run `desk secrets prune` once the longest session has ended');
        }),
      );
    });

  async function rotateTelegramCommand(opts: { json?: boolean; tokenFile?: string }) {
    await runOrFail(async () => {
      const token = await readNewToken(opts.tokenFile);
      await withDesk(async (ctx) => {
        const r = await rotateTelegram(ctx, token, by());
        if (opts.json) return console.log(JSON.stringify(r));
        console.log(`telegram: @${r.bot} now uses key ${r.id}; retired ${r.retired.join(', ') || '(none)'}`);
        if (r.webhook === 'registered') console.log('  webhook registered with the new secret');
        if (r.webhook === 'not registered')
          console.log('  the webhook could not be registered now: every desk registers it when it switches');
        console.log(
          `  running desks switch within SECRETS_RELOAD_SECONDS; the old webhook secret works ${TELEGRAM_GRACE_SECONDS / 60} more minutes`,
        );
      });
    });
  }

  secrets
    .command('prune')
    .description('drop retired keys that nothing needs any more (JWT keys once their tokens expired)')
    .option('--force', 'drop retired JWT keys now, ending the sessions whose tokens they signed')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { force?: boolean; json?: boolean }) => {
      await runOrFail(() =>
        withDesk(async ({ desk }) => {
          const r = await desk.services.secrets.prune({ force: opts.force }, by());
          if (opts.json) return console.log(JSON.stringify(r));
          console.log(`pruned ${r.pruned.length ? r.pruned.join(', ') : 'nothing'}`);
          for (const k of r.kept) console.log(`  kept ${k}`);
        }),
      );
    });

  secrets
    .command('status')
    .description('every key: which signs now, which only verify, which were pruned')
    .option('--json', 'print the keys as JSON')
    .action(async (opts: { json?: boolean }) => {
      await withDesk(async ({ desk }) => {
        const keys = await desk.services.secrets.status();
        if (opts.json) return console.log(JSON.stringify(keys));
        console.log(
          formatTable(
            ['PURPOSE', 'KEY', 'SOURCE', 'STATE', 'CREATED', 'RETIRED', 'NOTE'],
            keys.map((k) => [
              k.purpose,
              k.id,
              k.source,
              k.state,
              k.createdAt ?? '-',
              k.retiredAt ?? '-',
              k.prunableAt
                ? `prunable from ${k.prunableAt}`
                : k.secretsUnder !== undefined
                  ? `${k.secretsUnder} secrets under it`
                  : '',
            ]),
          ),
        );
      });
    });
}
