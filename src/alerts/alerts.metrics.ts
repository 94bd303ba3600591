import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../shared/clock.js';
import type { Db } from '../shared/db.js';
import type { AlertRegistry } from './alerts.definitions.js';
import { newestBeat, rulesAndStates } from './alerts.repo.js';
import { ALERT_STATES } from './alerts.tables.js';

/**
 * `desk_alerts_firing{alert,severity}` and `desk_alert_transitions_total{alert,to}` from alert_state
 * (one row per rule; the transition counts are kept there with each transition), and
 * `desk_worker_heartbeat_age_seconds` from the newest heartbeat.
 */
export function createAlertMetrics(registry: Registry, db: Db, clock: Clock, rules: AlertRegistry): void {
  const startedAt = clock.now();
  new Gauge({
    name: 'desk_alerts_firing',
    help: 'Alert rules firing now (1) or not (0), by rule and severity',
    labelNames: ['alert', 'severity'],
    registers: [registry],
    async collect() {
      const states = new Map((await rulesAndStates(db)).map((s) => [s.name, s.state]));
      this.reset();
      for (const r of rules.all())
        this.set({ alert: r.name, severity: r.severity }, states.get(r.name) === 'firing' ? 1 : 0);
    },
  });
  new Counter({
    name: 'desk_alert_transitions_total',
    help: 'Alert state transitions, by rule and target state',
    labelNames: ['alert', 'to'],
    registers: [registry],
    async collect() {
      const rows = await rulesAndStates(db);
      this.reset();
      for (const s of rows)
        for (const to of ALERT_STATES) this.inc({ alert: s.name, to }, s.transitions[to] ?? 0);
    },
  });
  new Gauge({
    name: 'desk_worker_heartbeat_age_seconds',
    help: "Seconds since the newest worker heartbeat (the job queue's heartbeat job); since this process started when there is none",
    registers: [registry],
    async collect() {
      const at = (await newestBeat(db)) ?? startedAt;
      this.set(Math.max(0, (clock.now().getTime() - at.getTime()) / 1000));
    },
  });
}
