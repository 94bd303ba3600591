import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { formatUnits } from 'viem';
import { z } from 'zod';
import { AppError } from '../shared/errors.js';
import type { Db } from '../shared/db.js';
import { formatUsdt } from '../shared/money.js';
import { ledger } from './ledger.js';
import type { WalletsService } from './wallets.service.js';
import type { ReconciliationService } from './reconcile.service.js';
import { auditContext } from '../shared/request-context.js';
import { differenceView, runView } from './reconcile.views.js';
import { entriesSchema, reconcileSchema, runDetailSchema, runsSchema, walletSchema } from './wallets.api.js';

const usdt = (units: bigint) => ({ usdt: formatUsdt(units), units: units.toString() });
const eth = (wei: bigint | null) =>
  wei === null ? null : { eth: formatUnits(wei, 18), wei: wei.toString() };

/** The desk's wallets (chain and ledger side by side) and the ledger's entries per account. */

/** PostgreSQL's bigint: a 19-digit `before` above it overflows in SQL. */
const MAX_BIGINT = 9223372036854775807n;
const DIGITS = /^\d{1,19}$/;
/**
 * A page cursor (a bigint id). Zod runs the refinement even when the regex failed, so it checks the
 * digits itself: BigInt('1e3') or BigInt('[1]') would throw, and a throw in a refinement is a 500.
 */
const postingCursor = z
  .string()
  .regex(DIGITS)
  .refine((v) => DIGITS.test(v) && BigInt(v) <= MAX_BIGINT, 'must fit a 64-bit integer');

export function walletsRoutes(deps: {
  db: Db;
  wallets: WalletsService;
  reconciliation: ReconciliationService;
}): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const read = { access: { permission: 'wallets:read' as const } };

    r.get(
      '/api/wallets',
      { config: read, schema: { response: { 200: z.object({ items: z.array(walletSchema) }) } } },
      async () => {
        const wallets = await deps.wallets.overview();
        return {
          items: wallets.map((w) => ({
            id: w.wallet.id,
            network: w.wallet.network,
            role: w.wallet.role,
            adapter: w.wallet.adapter,
            paper: w.paper,
            label: w.paper ? 'PAPER' : null,
            active: w.active,
            address: w.wallet.address,
            chainBalance: w.chainBalance === null ? null : usdt(w.chainBalance),
            ledgerBalance: usdt(w.ledgerBalance),
            available: usdt(w.available),
            reserved: usdt(w.reserved),
            receivable: usdt(w.receivable),
            difference: w.chainBalance === null ? null : usdt(w.chainBalance - w.ledgerBalance),
            gas: w.gasLedger === null ? null : { chain: eth(w.gasChain), ledger: eth(w.gasLedger) },
            chainError: w.chainError,
            blockHeight: w.height,
            accounts: {
              main: w.wallet.account_id,
              reserved: w.wallet.reserved_account_id,
              receivable: w.wallet.receivable_account_id,
            },
          })),
        };
      },
    );

    // A run observes and records; it moves no money, so repeating the call is harmless (a second run).
    r.post(
      '/api/wallets/reconcile',
      {
        config: { access: { permission: 'wallets:reconcile' as const } },
        schema: { body: z.object({}).strict(), response: { 201: reconcileSchema } },
      },
      async (req, reply) => {
        const { run, differences } = await deps.reconciliation.run({
          trigger: 'api',
          audit: auditContext(req),
        });
        const rows = await deps.reconciliation.differencesOf(run.id);
        reply.code(201);
        return {
          run: runView(run),
          differences: rows.map(differenceView),
          beyondTolerance: differences.some((d) => d.beyondTolerance),
        };
      },
    );

    r.get(
      '/api/wallets/reconciliations',
      {
        config: read,
        schema: {
          querystring: z
            .object({
              limit: z.coerce.number().int().min(1).max(100).default(20),
              before: postingCursor.optional(),
            })
            .strict(),
          response: { 200: runsSchema },
        },
      },
      async (req) => {
        const runs = await deps.reconciliation.recent(req.query.limit, req.query.before);
        const latest = runs[0]
          ? (await deps.reconciliation.differencesOf(runs[0].id)).map(differenceView)
          : [];
        return {
          items: runs.map(runView),
          latest: runs[0] ? { run: runView(runs[0]), differences: latest } : null,
        };
      },
    );

    r.get(
      '/api/wallets/reconciliations/:id',
      {
        config: read,
        schema: { params: z.object({ id: z.string().uuid() }).strict(), response: { 200: runDetailSchema } },
      },
      async (req) => {
        const run = await deps.db
          .selectFrom('reconciliation_runs')
          .selectAll()
          .where('id', '=', req.params.id)
          .executeTakeFirst();
        if (!run) throw new AppError('NOT_FOUND', 'There is no such reconciliation run.');
        return {
          run: runView(run),
          differences: (await deps.reconciliation.differencesOf(run.id)).map(differenceView),
        };
      },
    );

    r.get(
      '/api/ledger/accounts/:id/entries',
      {
        config: read,
        schema: {
          params: z.object({ id: z.string().min(1).max(200) }).strict(),
          querystring: z
            .object({
              before: postingCursor.optional(),
              limit: z.coerce.number().int().min(1).max(200).default(50),
            })
            .strict(),
          response: { 200: entriesSchema },
        },
      },
      async (req) => {
        const account = await ledger.account(deps.db, req.params.id);
        if (!account) throw new AppError('NOT_FOUND', 'There is no such ledger account.');
        const rows = await ledger.entries(deps.db, account.id, {
          before: req.query.before,
          limit: req.query.limit,
        });
        const balance = await ledger.balance(deps.db, account.id);
        return {
          account: {
            id: account.id,
            kind: account.kind,
            network: account.network,
            name: account.name,
            balance: usdt(balance),
          },
          items: rows.map((e) => ({
            postingId: e.posting_id,
            entryId: e.entry_id,
            key: e.key,
            kind: e.kind,
            memo: e.memo,
            settlementId: e.settlement_id,
            amount: usdt(BigInt(e.amount)),
            asset: e.asset,
            at: e.created_at.toISOString(),
          })),
          nextBefore: rows.length === req.query.limit ? (rows[rows.length - 1]?.posting_id ?? null) : null,
        };
      },
    );
  };
}
