import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRule } from '../src/alerts/alerts.definitions.js';
import { markdownTable, prometheusRules, withDefaults } from '../src/alerts/alerts.export.js';
import { promtoolTests } from '../src/alerts/alerts.promtest.js';
import { settingNames } from '../src/alerts/alerts.definitions.js';
import { buildTestServer, type TestServer } from './support/server.js';

const root = path.resolve(import.meta.dirname, '..');
const read = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');

/**
 * The definitions are the one source: the committed Prometheus files, the docs table, the runbooks and
 * the README's settings follow them, and these tests fail as soon as one drifts. The rules are the
 * composed desk's, so a rule a domain registers is held to the same.
 */
describe('alert rules: the committed files and the docs agree with the definitions', () => {
  let t: TestServer;
  let rules: AlertRule[];
  beforeAll(async () => {
    t = await buildTestServer();
    rules = t.desk.services.alerts.rules.all();
  });
  afterAll(() => t.close());

  const regenerate =
    'regenerate it: npm run desk -- alerts export --format prometheus --defaults [--promtool-tests] > deploy/prometheus/…';

  it('deploy/prometheus/rules.yml is `desk alerts export --format prometheus --defaults`', () => {
    expect(read('deploy/prometheus/rules.yml'), regenerate).toBe(prometheusRules(withDefaults(rules)));
  });

  it('deploy/prometheus/rules.test.yml has the promtool cases of every rule', () => {
    const text = read('deploy/prometheus/rules.test.yml');
    expect(text, regenerate).toBe(promtoolTests(withDefaults(rules)));
    for (const r of rules) {
      expect(text).toContain(`# ${r.name}: fires after for`);
      expect(text).toContain(`# ${r.name}: resolves once`);
    }
  });

  it('docs/alerts.md holds the one table of rules, as the definitions say', () => {
    const doc = read('docs/alerts.md');
    const table = /<!-- rules:begin -->\n([\s\S]*?)\n<!-- rules:end -->/.exec(doc)?.[1];
    expect(table, 'docs/alerts.md needs the table between <!-- rules:begin --> and <!-- rules:end -->').toBe(
      markdownTable(withDefaults(rules)),
    );
  });

  it('every rule has its runbook: meaning, threshold and why, first checks, mitigation, escalation, owner', () => {
    const missing = rules.filter((r) => !fs.existsSync(path.join(root, 'docs/runbooks', `${r.name}.md`)));
    expect(missing.map((r) => `docs/runbooks/${r.name}.md`)).toEqual([]);
    for (const r of rules) {
      const text = read(`docs/runbooks/${r.name}.md`);
      expect(text.split('\n')[0]).toBe(`# Runbook: ${r.name}`);
      expect(text).toContain(`**Owner:** \`${r.owner}\` (severity **${r.severity}**)`);
      for (const section of [
        '## What it means',
        '## Threshold and why',
        '## First checks',
        '## Mitigation',
        '## Escalation',
      ])
        expect(text, `${r.name}.md lacks ${section}`).toContain(section);
    }
  });

  it('the README names every rule in the ALERT_<RULE>_THRESHOLD / _FOR settings', () => {
    const readme = read('README.md');
    expect(readme).toContain('`ALERT_<RULE>_THRESHOLD` / `ALERT_<RULE>_FOR`');
    for (const r of rules) {
      const { threshold } = settingNames(r.name);
      expect(readme, `README.md lacks ${r.name.toUpperCase()}`).toContain(
        `\`${threshold.replace(/^ALERT_/, '').replace(/_THRESHOLD$/, '')}\``,
      );
    }
  });

  it('the API serves each runbook', async () => {
    const r = rules[0];
    if (!r) throw new Error('no rules');
    const body = await t.desk.services.alerts.service.runbook(r.name);
    expect(body.markdown).toBe(read(`docs/runbooks/${r.name}.md`));
  });
});
