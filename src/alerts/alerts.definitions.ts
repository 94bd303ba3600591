import type { Role } from '../shared/roles.js';

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type OwnerRole = Extract<Role, 'ops_approver' | 'risk_officer' | 'platform_admin'>;
export type Comparison = '>' | '>=' | '<' | '<=';

/** A label matcher on the metric the rule reads: equal, not equal, or a regular expression. */
export type LabelMatch = string | { ne: string } | { re: string };

/**
 * What a rule measures, as a read of one `/metrics` series set: the evaluator computes it from the
 * registry's own collectors, and the PromQL expression is built from the same description, so the desk
 * and Prometheus compute the same thing. `increaseOverSeconds` turns a counter into its increase over
 * that window (Prometheus `increase()`; the desk keeps bounded samples in `alert_state`).
 */
export interface MetricSample {
  metric: string;
  labels?: Record<string, LabelMatch>;
  aggregate: 'sum' | 'min' | 'max';
  increaseOverSeconds?: number;
}

/** One alert rule, defined once: everything the evaluator, the API, the docs and Prometheus need. */
export interface AlertRule {
  name: string;
  summary: string;
  /** What the value is, with its unit (shown beside it). */
  measure: string;
  unit: 'seconds' | 'count' | 'USDT' | 'ETH' | 'flag';
  comparison: Comparison;
  /** Defaults; each is seeded once from ALERT_<NAME>_THRESHOLD / ALERT_<NAME>_FOR, then lives in the database. */
  threshold: string;
  forSeconds: number;
  keepFiringForSeconds: number;
  severity: Severity;
  owner: OwnerRole;
  /** Why this threshold (docs/alerts.md and the runbook say it too). */
  why: string;
  sample: MetricSample;
}

export const runbookPath = (name: string) => `docs/runbooks/${name}.md`;

/** `approvals_waiting_too_long` → `ALERT_APPROVALS_WAITING_TOO_LONG_THRESHOLD` / `_FOR`. */
export const settingNames = (name: string) => {
  const base = `ALERT_${name.toUpperCase()}`;
  return { threshold: `${base}_THRESHOLD`, for: `${base}_FOR` };
};

const NAME = /^[a-z][a-z0-9_]{2,60}$/;

/**
 * The rules the desk knows. Each domain adds its own in one place (`registry.register(rule)` at
 * composition, e.g. the EVM chain's `wallet_reconciliation_drift`); everything else (evaluation,
 * the API, the Prometheus export, the docs table test) follows from the registry.
 */
export interface AlertRegistry {
  register(rule: AlertRule): void;
  get(name: string): AlertRule | undefined;
  all(): AlertRule[];
}

export function createAlertRegistry(rules: AlertRule[] = []): AlertRegistry {
  const byName = new Map<string, AlertRule>();
  const registry: AlertRegistry = {
    register(rule) {
      if (!NAME.test(rule.name)) throw new Error(`alert rule name ${rule.name} is not snake_case`);
      if (byName.has(rule.name)) throw new Error(`alert rule ${rule.name} is registered twice`);
      byName.set(rule.name, rule);
    },
    get: (name) => byName.get(name),
    all: () => [...byName.values()].sort((a, b) => a.name.localeCompare(b.name)),
  };
  for (const r of rules) registry.register(r);
  return registry;
}
