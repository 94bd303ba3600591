import { z } from 'zod';

/** The wallets API's replies, as the OpenAPI document (and the console's generated types) name them. */
const usdt = z.object({ usdt: z.string(), units: z.string() });
const eth = z.object({ eth: z.string(), wei: z.string() });
const amount = z.object({ amount: z.string(), units: z.string() });

export const walletSchema = z
  .object({
    id: z.string(),
    network: z.string(),
    role: z.string(),
    adapter: z.string(),
    paper: z.boolean(),
    label: z.string().nullable(),
    active: z.boolean(),
    address: z.string(),
    chainBalance: usdt.nullable(),
    ledgerBalance: usdt,
    available: usdt,
    reserved: usdt,
    receivable: usdt,
    difference: usdt.nullable(),
    gas: z.object({ chain: eth.nullable(), ledger: eth.nullable() }).nullable(),
    chainError: z.string().nullable(),
    blockHeight: z.number().nullable(),
    accounts: z.object({ main: z.string(), reserved: z.string(), receivable: z.string() }),
  })
  .meta({ id: 'Wallet' });

export const runSchema = z
  .object({
    id: z.string(),
    seq: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    trigger: z.string(),
    actorId: z.string().nullable(),
    tolerance: amount.nullable(),
    wallets: z.number(),
    beyondTolerance: z.number(),
  })
  .meta({ id: 'ReconciliationRun' });

export const differenceSchema = z
  .object({
    walletId: z.string(),
    network: z.string(),
    adapter: z.string(),
    asset: z.string(),
    blockHeight: z.number().nullable(),
    chain: amount.nullable(),
    ledger: amount.nullable(),
    inFlight: amount.nullable(),
    difference: amount.nullable(),
    beyondTolerance: z.boolean(),
    error: z.string().nullable(),
  })
  .meta({ id: 'ReconciliationDifference' });

export const reconcileSchema = z.object({
  run: runSchema,
  differences: z.array(differenceSchema),
  beyondTolerance: z.boolean(),
});

export const runsSchema = z.object({
  items: z.array(runSchema),
  latest: z.object({ run: runSchema, differences: z.array(differenceSchema) }).nullable(),
});

export const runDetailSchema = z.object({ run: runSchema, differences: z.array(differenceSchema) });

export const entriesSchema = z.object({
  account: z.object({
    id: z.string(),
    kind: z.string(),
    network: z.string().nullable(),
    name: z.string(),
    balance: usdt,
  }),
  items: z.array(
    z.object({
      postingId: z.string(),
      entryId: z.string(),
      key: z.string(),
      kind: z.string(),
      memo: z.string().nullable(),
      settlementId: z.string().nullable(),
      amount: usdt,
      asset: z.string(),
      at: z.string(),
    }),
  ),
  nextBefore: z.string().nullable(),
});
