import type { Notification } from '../notifications/notifications.service.js';
import type { Executor } from '../shared/db.js';
import type { AlertRule, OwnerRole } from './alerts.definitions.js';
import type { Notice } from './alerts.transitions.js';

/** The operators an alert is told to: active, Telegram linked, holding the rule's owner role. */
export type OwnersOf = (db: Executor, role: OwnerRole) => Promise<string[]>;

export const ALERT_TEMPLATES: Record<Notice, string> = {
  firing: 'alert.firing',
  repeat: 'alert.repeat',
  resolved: 'alert.resolved',
};

export interface NoticeFacts {
  rule: AlertRule;
  notice: Notice;
  value: string | null;
  threshold: string;
  forSeconds: number;
  episode: string;
  firingSince: Date;
  at: Date;
  publicUrl: string;
}

/**
 * One outbox row for the ops chat and one for each owner: the firing text's facts, the thread the
 * resolved notice replies to, and where "Open in console" and the runbook link go.
 */
export async function alertNotifications(
  db: Executor,
  owners: OwnersOf,
  f: NoticeFacts,
): Promise<Notification[]> {
  const data = {
    alert: f.rule.name,
    summary: f.rule.summary,
    measure: f.rule.measure,
    unit: f.rule.unit,
    severity: f.rule.severity,
    owner: f.rule.owner,
    comparison: f.rule.comparison,
    value: f.value,
    threshold: f.threshold,
    forSeconds: f.forSeconds,
    since: f.firingSince.toISOString(),
    at: f.at.toISOString(),
    runbook: `docs/runbooks/${f.rule.name}.md`,
    runbookUrl: `${f.publicUrl.replace(/\/$/, '')}/alerts/${f.rule.name}/runbook`,
    consolePath: '/alerts',
    thread: `alert:${f.episode}`,
    ...(f.notice === 'firing' ? {} : { replyToThread: `alert:${f.episode}` }),
  };
  const template = ALERT_TEMPLATES[f.notice];
  const ids = await owners(db, f.rule.owner);
  return [
    { recipientType: 'ops_chat', recipientId: null, template, data, at: f.at },
    ...ids.map((id) => ({ recipientType: 'operator' as const, recipientId: id, template, data, at: f.at })),
  ];
}
