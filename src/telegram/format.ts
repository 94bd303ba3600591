/**
 * Message text for Telegram, in HTML parse mode. Every value that came from a person (names, reasons,
 * summaries, diff values) goes through `esc`, and every line is balanced on its own, so cutting a
 * message at a line boundary never leaves a tag open.
 */

/** Telegram's limit for a message text. */
export const MAX_MESSAGE_LENGTH = 4096;

/** Any value as text: strings as they are, objects as JSON, nothing as empty. */
export function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value) ?? '';
}

/** The three characters Telegram's HTML mode needs escaped (and only those: `*_[` are plain text here). */
export function esc(value: unknown): string {
  return text(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts plain text to `max` characters with an ellipsis (before escaping, so no entity is cut). */
function clip(value: unknown, max: number): string {
  const s = text(value);
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}

/** Escaped and clipped: the usual way a person's text enters a message. */
export const user = (value: unknown, max = 300) => esc(clip(value, max));

/**
 * Joins lines into one message of at most `max` characters: whole lines are dropped from the end and
 * a last line says so. Each line must be balanced HTML on its own.
 */
export function fitLines(lines: string[], max = MAX_MESSAGE_LENGTH): string {
  const full = lines.join('\n');
  if (full.length <= max) return full;
  const note = '\n… (shortened: open it in the console for everything)';
  const kept: string[] = [];
  let length = 0;
  for (const line of lines) {
    const add = (kept.length ? 1 : 0) + line.length;
    if (length + add + note.length > max) break;
    kept.push(line);
    length += add;
  }
  if (kept.length === 0) return clip(lines[0] ?? '', max);
  return kept.join('\n') + note;
}

/** `2026-11-24 14:05 UTC`: unambiguous for a desk spread across time zones. */
export function when(value: Date | string | null | undefined): string {
  if (!value) return '—';
  const d = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) return '—';
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A diff value as a short readable string (scalars as they are, objects as compact JSON). */
function showValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object'))
    return value.length ? value.join(', ') : '(none)';
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
      .join('; ');
  }
  return JSON.stringify(value);
}

export type Diff = { field: string; before: unknown; after: unknown }[];

/** One line per changed field (at most `maxFields`), values escaped and clipped. */
export function diffLines(diff: unknown, maxFields = 15): string[] {
  if (!Array.isArray(diff)) return [];
  const rows = diff as Diff;
  const lines = rows
    .slice(0, maxFields)
    .map(
      (d) =>
        `• <b>${user(d.field, 60)}</b>: ${user(showValue(d.before), 300)} → ${user(showValue(d.after), 300)}`,
    );
  if (rows.length > maxFields) lines.push(`• … and ${rows.length - maxFields} more`);
  return lines;
}
