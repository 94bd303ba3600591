import type { AlertRule } from './alerts.definitions.js';
import { settingNames } from './alerts.definitions.js';

/** The settings' pattern: ALERT_<RULE NAME IN CAPITALS>_THRESHOLD and ALERT_<…>_FOR. */
export const ALERT_SETTING = /^ALERT_([A-Z0-9_]+)_(THRESHOLD|FOR)$/;

const DECIMAL = /^-?\d{1,18}(\.\d{1,6})?$/;
const DURATION = /^(\d{1,7})(s|m|h)?$/;

/** `300`, `300s`, `5m`, `1h` → seconds; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : n;
}

export const isThreshold = (text: string) => DECIMAL.test(text.trim());

export interface Seed {
  name: string;
  threshold: string;
  forSeconds: number;
  keepFiringForSeconds: number;
  seededFrom: Record<string, string>;
}

/**
 * What each rule is seeded with on first start: its definition's defaults, or ALERT_<NAME>_THRESHOLD /
 * ALERT_<NAME>_FOR from the environment. A malformed value, or a setting that names no rule (a typo
 * would otherwise be silently ignored), is refused with every problem at once.
 */
export function seedsFrom(rules: AlertRule[], env: Record<string, string | undefined>): Seed[] {
  const problems: string[] = [];
  const known = new Set(rules.flatMap((r) => Object.values(settingNames(r.name))));
  for (const key of Object.keys(env))
    if (ALERT_SETTING.test(key) && !known.has(key)) problems.push(`${key} names no alert rule`);
  const seeds = rules.map((r) => {
    const names = settingNames(r.name);
    const seededFrom: Record<string, string> = {};
    let threshold = r.threshold;
    let forSeconds = r.forSeconds;
    const t = env[names.threshold];
    if (t !== undefined && t !== '') {
      if (!isThreshold(t)) problems.push(`${names.threshold} must be a number such as 3600 or 0.5`);
      else {
        threshold = t.trim();
        seededFrom.threshold = names.threshold;
      }
    }
    const f = env[names.for];
    if (f !== undefined && f !== '') {
      const seconds = parseDuration(f);
      if (seconds === undefined) problems.push(`${names.for} must be a duration such as 300, 300s, 5m or 1h`);
      else {
        forSeconds = seconds;
        seededFrom.for = names.for;
      }
    }
    return { name: r.name, threshold, forSeconds, keepFiringForSeconds: r.keepFiringForSeconds, seededFrom };
  });
  if (problems.length) throw new Error(`invalid alert settings: ${problems.join('; ')}`);
  return seeds;
}

/** Seconds as people read them in a notice or a table: 90 → "1m 30s", 3600 → "1h". */
export function formatSeconds(total: number): string {
  if (total === 0) return '0s';
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = Math.round(total % 60);
  return [h ? `${h}h` : '', m ? `${m}m` : '', s ? `${s}s` : ''].filter(Boolean).join(' ');
}
