import type { Command } from 'commander';
import { prometheusRules, withDefaults, type ExportedRule } from '../alerts/alerts.export.js';
import { promtoolTests } from '../alerts/alerts.promtest.js';
import { AppError } from '../shared/errors.js';
import { runOrFail, withDesk } from './context.js';

/**
 * `desk alerts export --format prometheus`: the desk's alert rules as a Prometheus rules file on
 * stdout, with the thresholds stored in the database (what the desk itself evaluates now).
 * `--defaults` prints the definitions' defaults instead: that is deploy/prometheus/rules.yml.
 * `--promtool-tests` prints the matching `promtool test rules` file (deploy/prometheus/rules.test.yml).
 */
export function registerAlertCommands(program: Command): void {
  const alerts = program.command('alerts').description('the alert rules');
  alerts
    .command('export')
    .description('print the alert rules as a Prometheus rules file')
    .requiredOption('--format <format>', 'prometheus')
    .option('--defaults', "the definitions' default thresholds (the committed deploy/prometheus/rules.yml)")
    .option('--promtool-tests', 'print the promtool test cases for those rules instead')
    .action(async (opts: { format: string; defaults?: boolean; promtoolTests?: boolean }) =>
      runOrFail(async () => {
        if (opts.format !== 'prometheus')
          throw new AppError('VALIDATION_FAILED', '--format must be prometheus');
        await withDesk(async ({ desk }) => {
          const { rules, service } = desk.services.alerts;
          let exported: ExportedRule[];
          if (opts.defaults) exported = withDefaults(rules.all());
          else {
            await service.seed();
            exported = (await service.list()).map((r) => ({
              rule: service.rule(r.name),
              threshold: r.threshold,
              forSeconds: r.forSeconds,
              keepFiringForSeconds: r.keepFiringForSeconds,
            }));
          }
          process.stdout.write(opts.promtoolTests ? promtoolTests(exported) : prometheusRules(exported));
        });
      }),
    );
}
