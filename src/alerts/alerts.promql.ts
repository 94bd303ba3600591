import type { Registry } from 'prom-client';
import type { AlertRule, LabelMatch, MetricSample } from './alerts.definitions.js';

function matcher(label: string, m: LabelMatch): string {
  if (typeof m === 'string') return `${label}=${JSON.stringify(m)}`;
  if ('ne' in m) return `${label}!=${JSON.stringify(m.ne)}`;
  return `${label}=~${JSON.stringify(m.re)}`;
}

function matches(labels: Record<string, string | number | undefined>, want: MetricSample['labels']): boolean {
  for (const [label, m] of Object.entries(want ?? {})) {
    const v = labels[label] === undefined ? '' : String(labels[label]);
    if (typeof m === 'string' ? v !== m : 'ne' in m ? v === m.ne : !new RegExp(`^(?:${m.re})$`).test(v))
      return false;
  }
  return true;
}

/** The PromQL of a rule's condition, from the same description the evaluator reads. */
export function promqlOf(rule: AlertRule, threshold: string): string {
  const s = rule.sample;
  const labels = Object.entries(s.labels ?? {}).map(([l, m]) => matcher(l, m));
  const selector = `${s.metric}${labels.length ? `{${labels.join(',')}}` : ''}`;
  const series = s.increaseOverSeconds ? `increase(${selector}[${s.increaseOverSeconds}s])` : selector;
  return `${s.aggregate}(${series}) ${rule.comparison} ${threshold}`;
}

type Values = { value: number; labels: Record<string, string | number | undefined> }[];

/**
 * Reads rules' samples from the desk's own registry (the collectors `/metrics` runs), each metric
 * collected once per cycle. A counter with no series counts as 0; a gauge with none has no value.
 */
export function metricReader(registry: Registry) {
  const cache = new Map<string, Promise<Values | null>>();
  const values = (name: string) => {
    let v = cache.get(name);
    if (!v) {
      const metric = registry.getSingleMetric(name);
      v = metric ? metric.get().then((m) => m.values as Values) : Promise.resolve(null);
      cache.set(name, v);
    }
    return v;
  };
  return async (sample: MetricSample): Promise<number | null> => {
    const all = await values(sample.metric);
    const picked = (all ?? []).filter((v) => matches(v.labels, sample.labels)).map((v) => v.value);
    if (picked.length === 0) return sample.increaseOverSeconds ? 0 : null;
    if (sample.aggregate === 'sum') return picked.reduce((a, b) => a + b, 0);
    return sample.aggregate === 'min' ? Math.min(...picked) : Math.max(...picked);
  };
}
