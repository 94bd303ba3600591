import { z } from 'zod';
import { ALERT_STATES } from './alerts.tables.js';

/** The alerts API's replies, as the OpenAPI document (and the console's generated types) name them. */
const state = z.enum(ALERT_STATES);
const iso = (d: Date | null) => d?.toISOString() ?? null;

export const alertSchema = z
  .object({
    name: z.string(),
    summary: z.string(),
    measure: z.string(),
    unit: z.string(),
    comparison: z.string(),
    /** A decimal string. */
    threshold: z.string(),
    forSeconds: z.number(),
    keepFiringForSeconds: z.number(),
    version: z.number().nullable(),
    severity: z.string(),
    owner: z.string(),
    runbook: z.string(),
    expr: z.string(),
    state,
    value: z.string().nullable(),
    since: z.string().nullable(),
    firingSince: z.string().nullable(),
    evaluatedAt: z.string().nullable(),
    silence: z
      .object({ until: z.string().nullable(), reason: z.string().nullable(), by: z.string().nullable() })
      .nullable(),
  })
  .meta({ id: 'Alert' });

export const alertListSchema = z.object({ items: z.array(alertSchema), firing: z.number() });

export const alertEventSchema = z
  .object({
    id: z.string(),
    rule: z.string(),
    from: state,
    to: state,
    value: z.string().nullable(),
    threshold: z.string(),
    labels: z.record(z.string(), z.string()),
    episode: z.string().nullable(),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    at: z.string(),
    silenced: z.boolean(),
  })
  .meta({ id: 'AlertEvent' });

export const alertEventsSchema = z.object({
  items: z.array(alertEventSchema),
  nextCursor: z.string().nullable(),
});
export const runbookSchema = z.object({ name: z.string(), path: z.string(), markdown: z.string() });
export const silenceSchema = z.object({ name: z.string(), until: z.string(), reason: z.string() });
export const unsilenceSchema = z.object({ name: z.string(), changed: z.boolean() });

type Dated<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
};

/** An alert as the API shows it: its times as ISO strings. */
export function alertJson<
  T extends {
    since: Date | null;
    firingSince: Date | null;
    evaluatedAt: Date | null;
    silence: { until: Date | null; reason: string | null; by: string | null } | null;
  },
>(a: T) {
  return {
    ...a,
    since: iso(a.since),
    firingSince: iso(a.firingSince),
    evaluatedAt: iso(a.evaluatedAt),
    silence: a.silence ? { ...a.silence, until: iso(a.silence.until) } : null,
  };
}

/** An alert event as the API shows it: its times as ISO strings. */
export function alertEventJson<T extends { startedAt: Date; endedAt: Date | null; at: Date }>(
  e: T,
): Dated<T> {
  return {
    ...e,
    startedAt: e.startedAt.toISOString(),
    endedAt: iso(e.endedAt),
    at: e.at.toISOString(),
  } as Dated<T>;
}
