import type { Evidence } from './http.js';

export type Outcome = 'pass' | 'fail' | 'skipped';

export interface StepResult {
  name: string;
  outcome: Outcome;
  /** What was found (pass), what went wrong (fail) or why it did not run (skipped). */
  detail: string;
  evidence: Evidence[];
  ms: number;
}

export interface RunInfo {
  url: string;
  startedAt: Date;
  finishedAt: Date;
  deskVersion: string | null;
  deskCommit: string | null;
  smokeCommit: string | null;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** REPORT.md: what was checked, when, against which version and commit, the evidence, pass or fail. */
export function renderReport(info: RunInfo, steps: StepResult[]): string {
  const failed = steps.filter((s) => s.outcome === 'fail').length;
  const skipped = steps.filter((s) => s.outcome === 'skipped').length;
  const verdict = failed > 0 ? `FAIL (${failed} of ${steps.length} steps failed)` : 'PASS';
  const lines = [
    '# Smoke run',
    '',
    `**${verdict}**${skipped > 0 ? `, ${skipped} skipped` : ''}`,
    '',
    '| | |',
    '| --- | --- |',
    `| desk | ${info.url} |`,
    `| desk version | ${info.deskVersion ?? 'unknown (GET /health did not say)'} |`,
    `| desk commit | ${info.deskCommit ?? 'not reported by the desk'} |`,
    `| smoke script commit | ${info.smokeCommit ?? 'unknown (not a git checkout)'} |`,
    `| started | ${info.startedAt.toISOString()} |`,
    `| finished | ${info.finishedAt.toISOString()} (${info.finishedAt.getTime() - info.startedAt.getTime()} ms) |`,
    '',
    '## Steps',
    '',
    '| # | step | result | ms | detail |',
    '| --- | --- | --- | --- | --- |',
    ...steps.map(
      (s, i) => `| ${i + 1} | ${cell(s.name)} | ${s.outcome.toUpperCase()} | ${s.ms} | ${cell(s.detail)} |`,
    ),
    '',
    '## Evidence',
    '',
  ];
  steps.forEach((s, i) => {
    lines.push(`### ${i + 1}. ${s.name}: ${s.outcome.toUpperCase()}`, '');
    if (s.evidence.length === 0) lines.push('No HTTP request.', '');
    else
      lines.push(
        '| request | status | request id | ms |',
        '| --- | --- | --- | --- |',
        ...s.evidence.map(
          (e) =>
            `| ${e.method} ${cell(redact(e.path))} | ${e.status ?? 'no answer'} | ${e.requestId ?? '-'} | ${e.ms} |`,
        ),
        '',
      );
  });
  return `${lines.join('\n')}\n`;
}

/** Invitation tokens and the like never land in a report. */
function redact(path: string): string {
  return path.replace(/(token=)[^&]+/g, '$1…');
}
