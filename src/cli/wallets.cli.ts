import type { Command } from 'commander';
import { formatTable } from './table.js';
import { cliUser, fail, runOrFail, withDesk } from './context.js';
import { AppError } from '../shared/errors.js';
import { withTransaction } from '../shared/db.js';
import { NETWORKS, type Network } from '../shared/networks.js';
import { formatUsdt, parseUsdt } from '../shared/money.js';
import { PAPER_FAUCET } from '../wallets/paper.chain.js';
import { differenceView, runView } from '../wallets/reconcile.views.js';

function network(value: string): Network {
  if (!(NETWORKS as readonly string[]).includes(value))
    throw new AppError('VALIDATION_FAILED', `--network must be one of ${NETWORKS.join(', ')}`);
  return value as Network;
}

function units(value: string): bigint {
  const parsed = parseUsdt(value);
  if (!parsed.ok) throw new AppError('VALIDATION_FAILED', `--amount ${parsed.reason}`);
  return parsed.units;
}

/**
 * `desk wallets` lists the desk's wallets (chain and ledger side by side); `desk paper fund|send` moves
 * USDT on the paper chain — what a client's own wallet would do on a real chain, e.g. the deposit
 * of a sell — audited as `paper.transfer` with actor `cli`.
 */
export function registerWalletCommands(program: Command): void {
  const wallets = program
    .command('wallets')
    .description('the desk wallets: chain balance, ledger balance, reserved (PAPER when simulated)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await runOrFail(() =>
        withDesk(async ({ desk }) => {
          const rows = (await desk.services.wallets.overview()).map((w) => ({
            id: w.wallet.id,
            label: w.paper ? 'PAPER' : w.wallet.adapter.toUpperCase(),
            network: w.wallet.network,
            address: w.wallet.address,
            chainUsdt: w.chainBalance === null ? `unreachable (${w.chainError})` : formatUsdt(w.chainBalance),
            ledgerUsdt: formatUsdt(w.ledgerBalance),
            reservedUsdt: formatUsdt(w.reserved),
          }));
          if (opts.json) return console.log(JSON.stringify(rows));
          if (rows.length === 0)
            return console.log('no wallets yet: they are created when the desk first starts');
          console.log(
            formatTable(
              ['ID', 'KIND', 'NETWORK', 'ADDRESS', 'CHAIN USDT', 'LEDGER USDT', 'RESERVED USDT'],
              rows.map((r) => [
                r.id,
                r.label,
                r.network,
                r.address,
                r.chainUsdt,
                r.ledgerUsdt,
                r.reservedUsdt,
              ]),
            ),
          );
        }),
      );
    });

  wallets
    .command('reconcile')
    .description(
      'reconcile every desk wallet against its chain now (stored as a run); exits 1 when a difference is beyond RECONCILE_TOLERANCE_USDT',
    )
    .option('--json', 'print JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      // `--json` may be parsed by `desk wallets` itself: read it from either
      const opts = cmd.optsWithGlobals<{ json?: boolean }>();
      await runOrFail(() =>
        withDesk(async ({ desk }) => {
          const { run } = await desk.services.reconciliation.run({
            trigger: 'cli',
            audit: { actorType: 'cli', actorId: cliUser() },
          });
          const rows = (await desk.services.reconciliation.differencesOf(run.id)).map(differenceView);
          if (opts.json) console.log(JSON.stringify({ run: runView(run), differences: rows }));
          else {
            console.log(`run ${run.id}: ${run.wallets} wallets, ${run.beyond_tolerance} beyond tolerance`);
            if (rows.length > 0)
              console.log(
                formatTable(
                  [
                    'WALLET',
                    'ASSET',
                    'BLOCK',
                    'CHAIN',
                    'LEDGER',
                    'IN FLIGHT',
                    'DIFFERENCE',
                    'RESULT',
                    'ERROR',
                  ],
                  rows.map((d) => [
                    d.walletId,
                    d.asset,
                    String(d.blockHeight ?? '—'),
                    d.chain?.amount ?? '—',
                    d.ledger?.amount ?? '—',
                    d.inFlight?.amount ?? '0',
                    d.difference?.amount ?? '—',
                    d.beyondTolerance ? 'BEYOND TOLERANCE' : 'ok',
                    d.error ?? '',
                  ]),
                ),
              );
          }
          if (run.beyond_tolerance > 0) process.exitCode = 1;
        }),
      );
    });

  const paper = program.command('paper').description('the paper chain (simulated; no real funds)');
  const transfer = async (o: { network: string; from: string; to: string; amount: string }) => {
    const net = network(o.network);
    const amount = units(o.amount);
    await withDesk(async ({ desk, database }) => {
      const { txHash } = await desk.services.paper.send(net, o.from, o.to, amount);
      await withTransaction(database.db, (tx) =>
        desk.services.audit.record(tx, {
          actorType: 'cli',
          actorId: cliUser(),
          action: 'paper.transfer',
          entityType: 'paper_transaction',
          entityId: txHash,
          data: { network: net, from: o.from, to: o.to, amountUsdt: formatUsdt(amount) },
        }),
      );
      console.log(txHash);
    });
  };

  paper
    .command('fund')
    .description("the paper faucet sends USDT to an address (e.g. a client's, before it deposits for a sell)")
    .requiredOption('--network <network>', NETWORKS.join(' | '))
    .requiredOption('--to <address>', 'receiving address')
    .requiredOption('--amount <usdt>', 'USDT, e.g. 25000')
    .action(async (o: { network: string; to: string; amount: string }) =>
      runOrFail(() => transfer({ ...o, from: PAPER_FAUCET })),
    );

  paper
    .command('send')
    .description(
      "send USDT from one paper address to another (e.g. a client's deposit to the desk's hot wallet)",
    )
    .requiredOption('--network <network>', NETWORKS.join(' | '))
    .requiredOption('--from <address>', 'sending address')
    .requiredOption('--to <address>', 'receiving address')
    .requiredOption('--amount <usdt>', 'USDT, e.g. 25000')
    .action(async (o: { network: string; from: string; to: string; amount: string }) =>
      runOrFail(async () => {
        if (o.from === PAPER_FAUCET) return fail('use `desk paper fund` to send from the faucet');
        await transfer(o).catch((err: unknown) => {
          if (err instanceof Error && err.name === 'ChainError')
            throw new AppError('VALIDATION_FAILED', `the paper chain refused the transfer: ${err.message}`);
          throw err;
        });
      }),
    );
}
