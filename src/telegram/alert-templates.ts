import { esc, text, user, when } from './format.js';

const ICON: Record<string, string> = { critical: '🔴', warning: '🟠', info: '🔵' };

function duration(seconds: number): string {
  if (seconds <= 0) return 'at once';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', s ? `${s}s` : ''].filter(Boolean).join(' ');
}

function runbookLine(d: Record<string, unknown>): string {
  const url = text(d.runbookUrl);
  const path = user(d.runbook, 200);
  return /^https?:\/\//.test(url) ? `Runbook: <a href="${esc(url)}">${path}</a>` : `Runbook: ${path}`;
}

/**
 * An alert's notices (src/alerts): what fired, the value against the threshold, since when, the
 * severity and owner, and the runbook. The resolved notice is sent as a reply to the firing one.
 */
export function alertLines(template: string, d: Record<string, unknown>): string[] | null {
  const severity = text(d.severity);
  const name = `<code>${user(d.alert, 80)}</code>`;
  const value = `${user(d.value ?? 'no value', 40)} ${user(d.unit, 20)}`;
  const condition = `threshold ${user(d.comparison, 2)} ${user(d.threshold, 40)}`;
  switch (template) {
    case 'alert.firing':
      return [
        `${ICON[severity] ?? '⚠️'} <b>FIRING · ${user(severity, 20)}</b> ${name}`,
        `<b>${user(d.summary, 300)}</b>`,
        `Value: <b>${value}</b> (${condition}) — ${user(d.measure, 300)}`,
        `Since: ${when(text(d.since))} (held ${duration(Number(d.forSeconds) || 0)})`,
        `Owner: ${user(d.owner, 40)}`,
        runbookLine(d),
      ];
    case 'alert.repeat':
      return [
        `🔁 <b>STILL FIRING · ${user(severity, 20)}</b> ${name}`,
        `<b>${user(d.summary, 300)}</b>`,
        `Value: <b>${value}</b> (${condition})`,
        `Firing since: ${when(text(d.since))}`,
        runbookLine(d),
      ];
    case 'alert.resolved':
      return [
        `✅ <b>RESOLVED</b> ${name}`,
        `<b>${user(d.summary, 300)}</b>`,
        `Value now: ${value} (${condition})`,
        `Fired ${when(text(d.since))}, resolved ${when(text(d.at))}`,
      ];
    default:
      return null;
  }
}
