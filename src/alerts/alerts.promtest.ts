import { annotationsOf, labelsOf, promDuration, type ExportedRule } from './alerts.export.js';

const q = (s: string) => JSON.stringify(s);

function seriesName(e: ExportedRule): string {
  const s = e.rule.sample;
  const labels = Object.entries(s.labels ?? {}).map(([l, m]) => {
    const value = typeof m === 'string' ? m : 'ne' in m ? `not_${m.ne}` : (m.re.split('|')[0] ?? '');
    return `${l}=${q(value)}`;
  });
  return `${s.metric}${labels.length ? `{${labels.join(',')}}` : ''}`;
}

/** Values that hold (bad) and do not (good) for a gauge rule. */
function gaugeValues(e: ExportedRule): { bad: number; good: number } {
  const t = Number(e.threshold);
  if (e.rule.comparison.startsWith('>')) return { bad: t * 2 + 1, good: 0 };
  return { bad: t > 0 ? 0 : t - 1, good: Math.max(t * 2, 1) };
}

const minutes = (seconds: number) => Math.ceil(seconds / 60);

/**
 * `promtool test rules` cases for every rule, from the same parameters as rules.yml: it fires once
 * the condition held for `for`; a shorter blip (when `for` leaves room for one) never fires; and once
 * clear for `keep_firing_for` it is resolved. Samples every minute, evaluated every minute.
 */
export function promtoolTests(rules: ExportedRule[]): string {
  const out = [
    '# Generated from src/alerts beside rules.yml (test/alerts.deploy.test.ts checks it); run: promtool test rules rules.test.yml',
    'rule_files:',
    '  - rules.yml',
    'evaluation_interval: 1m',
    'tests:',
  ];
  for (const e of rules) {
    const f = minutes(e.forSeconds);
    const keep = minutes(e.keepFiringForSeconds);
    const window = e.rule.sample.increaseOverSeconds ? minutes(e.rule.sample.increaseOverSeconds) : 0;
    const alert = [
      `          - exp_labels:`,
      ...Object.entries(labelsOf(e)).map(([k, v]) => `              ${k}: ${v}`),
      `            exp_annotations:`,
      ...Object.entries(annotationsOf(e)).map(([k, v]) => `              ${k}: ${q(v)}`),
    ];
    const test = (title: string, values: string, checks: { at: number; firing: boolean }[]) => {
      out.push(`  # ${e.rule.name}: ${title}`);
      out.push('  - interval: 1m');
      out.push('    input_series:');
      out.push(`      - series: ${q(seriesName(e))}`);
      out.push(`        values: ${q(values)}`);
      out.push('    alert_rule_test:');
      for (const c of checks) {
        out.push(`      - eval_time: ${c.at}m`);
        out.push(`        alertname: ${e.rule.name}`);
        if (c.firing) out.push('        exp_alerts:', ...alert);
        else out.push('        exp_alerts: []');
      }
    };
    const lead = 10; // minutes of a quiet start
    if (window === 0) {
      const { bad, good } = gaugeValues(e);
      const hold = f + 5;
      test(
        `fires after for (${promDuration(e.forSeconds)})`,
        `${good}x${lead} ${bad}x${hold} ${good}x${keep + 10}`,
        [...(f > 0 ? [{ at: lead + f - 1, firing: false }] : []), { at: lead + f + 1, firing: true }],
      );
      if (f >= 2)
        test(
          'a blip shorter than for never fires',
          `${good}x${lead} ${bad}x${f - 2} ${good}x${f + keep + 10}`,
          [
            { at: lead + f - 2, firing: false },
            { at: lead + f + 1, firing: false },
            { at: lead + 2 * f, firing: false },
          ],
        );
      test(
        `resolves once clear for keep_firing_for (${promDuration(e.keepFiringForSeconds)})`,
        `${good}x${lead} ${bad}x${hold} ${good}x${keep + 10}`,
        [
          { at: lead + hold - 1, firing: true },
          ...(keep > 0 ? [{ at: lead + hold + keep - 1, firing: true }] : []),
          { at: lead + hold + keep + 2, firing: false },
        ],
      );
    } else {
      // A counter: a steady rise of threshold+1 a minute holds; one jump holds only while it is in the window.
      const step = Math.floor(Number(e.threshold)) + 1;
      const hold = f + window + 5;
      const rise = `0x${lead} 0+${step}x${hold} ${step * hold}x${window + keep + 15}`;
      test(`fires after for (${promDuration(e.forSeconds)}) while the counter keeps rising`, rise, [
        { at: lead + f + 2, firing: true },
      ]);
      if (f > window + 1)
        test(
          `one burst (in the ${promDuration(window)} window for less than for) never fires`,
          `0x${lead} ${step * 2}x${f + window + 10}`,
          [
            { at: lead + window - 1, firing: false },
            { at: lead + f + 1, firing: false },
          ],
        );
      test(
        `resolves once the window is clear for keep_firing_for (${promDuration(e.keepFiringForSeconds)})`,
        rise,
        [
          { at: lead + hold - 1, firing: true },
          { at: lead + hold + window + keep + 3, firing: false },
        ],
      );
    }
  }
  return `${out.join('\n')}\n`;
}
