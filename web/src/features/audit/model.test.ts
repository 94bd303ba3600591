import { describe, expect, it } from 'vitest';
import {
  cosignCell,
  dataSummary,
  entityLink,
  exportPath,
  filterFromParams,
  filterProblem,
  fromLocalInput,
  searchPath,
  seconds,
  toLocalInput,
} from './model';

describe('audit filter', () => {
  it('round-trips through the URL and builds the search and export paths from the set fields only', () => {
    const f = filterFromParams(
      new URLSearchParams('from=2026-01-01T00:00:00.000Z&actor=operator:abc&action=+flag.changed+&junk=1'),
    );
    expect(f).toEqual({
      from: '2026-01-01T00:00:00.000Z',
      to: '',
      actor: 'operator:abc',
      action: 'flag.changed',
      entity: '',
    });
    expect(searchPath(f, null)).toBe(
      '/api/audit?from=2026-01-01T00%3A00%3A00.000Z&actor=operator%3Aabc&action=flag.changed&limit=50',
    );
    expect(searchPath(f, 'YTE6OQ')).toContain('cursor=YTE6OQ');
    expect(exportPath(f, 'csv')).toBe(
      '/api/audit/export?format=csv&from=2026-01-01T00%3A00%3A00.000Z&actor=operator%3Aabc&action=flag.changed',
    );
    expect(exportPath({ from: '', to: '', actor: '', action: '', entity: '' }, 'jsonl')).toBe(
      '/api/audit/export?format=jsonl',
    );
  });

  it('converts between datetime-local values and instants in the browser time zone', () => {
    const iso = fromLocalInput('2026-03-04T05:06');
    expect(iso).toMatch(/^2026-03-0[345]T\d\d:06:00\.000Z$/);
    expect(toLocalInput(iso)).toBe('2026-03-04T05:06');
    expect(fromLocalInput('')).toBe('');
    expect(fromLocalInput('nonsense')).toBe('');
    expect(toLocalInput('')).toBe('');
  });

  it('refuses a range that ends before it starts', () => {
    expect(
      filterProblem({
        from: '2026-01-02T00:00:00Z',
        to: '2026-01-01T00:00:00Z',
        actor: '',
        action: '',
        entity: '',
      }),
    ).toEqual({ field: 'to', message: 'must be after "From"' });
    expect(
      filterProblem({
        from: '2026-01-01T00:00:00Z',
        to: '2026-01-02T00:00:00Z',
        actor: '',
        action: '',
        entity: '',
      }),
    ).toBeNull();
  });
});

describe('audit display', () => {
  it('summarises event data and links entities', () => {
    expect(
      dataSummary({ enabled: false, previous: true, via: 'emergency', reason: 'x', extra: 1, none: null }),
    ).toBe('enabled: false · previous: true · via: emergency · reason: x · +1 more');
    expect(dataSummary({ roles: ['auditor'] })).toBe('roles: ["auditor"]');
    expect(dataSummary(null)).toBe('');
    expect(entityLink('change_request', 'r1')).toBe('/approvals/r1');
    expect(entityLink('flag', 'AUTO_SETTLEMENT')).toBe('/flags/AUTO_SETTLEMENT');
    expect(entityLink('operator_session', 's')).toBeNull();
  });

  it('formats decision times', () => {
    expect(seconds(42.4)).toBe('42 s');
    expect(seconds(200)).toBe('3 min 20 s');
    expect(seconds(7500)).toBe('2 h 5 min');
    expect(seconds(3 * 86400 + 7200)).toBe('3 d 2 h');
    expect(seconds(null)).toBe('—');
  });
});

describe('approvals report period', () => {
  it('runs from the first day at 00:00 to the day after the last, local time', async () => {
    const { periodOf } = await import('./ReportPage');
    const p = periodOf('2026-03-01', '2026-03-31');
    expect(p && new Date(p.to).getTime() - new Date(p.from).getTime()).toBeGreaterThanOrEqual(30 * 86400_000);
    expect(p && new Date(p.from).getDate()).toBe(1);
    expect(periodOf('', '2026-03-31')).toBeNull();
  });
});

describe('the report’s co-sign column', () => {
  const carla = { email: 'carla@desk.test', id: 'c' };
  it('names a co-signer as having co-signed only once they have', () => {
    expect(
      cosignCell({ status: 'awaiting_secondary', secondary: { ...carla, at: null }, rejection: null }),
    ).toBe('Awaiting carla@desk.test');
    expect(
      cosignCell({
        status: 'approved',
        secondary: { ...carla, at: '2026-01-01T00:00:00Z' },
        rejection: null,
      }),
    ).toBe('carla@desk.test (co-signed)');
    expect(cosignCell({ status: 'expired', secondary: { ...carla, at: null }, rejection: null })).toBe(
      'carla@desk.test was named but did not co-sign',
    );
    expect(cosignCell({ status: 'rejected', secondary: { ...carla, at: null }, rejection: carla })).toBe(
      'carla@desk.test (rejected)',
    );
  });
});
