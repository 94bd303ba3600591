import { describe, expect, it } from 'vitest';
import { holds, increase, initialState, step, type RuleState } from './alerts.transitions.js';
import { parseDuration, seedsFrom } from './alerts.rules.js';
import { CORE_RULES } from './alerts.catalog.js';

const T0 = new Date('2026-03-02T09:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const timing = { forSeconds: 60, keepFiringForSeconds: 30, repeatSeconds: 600 };
let n = 0;
const episode = () => `e${++n}`;

function run(conditions: [number, boolean][], t = timing) {
  let s: RuleState = initialState(T0);
  const log: string[] = [];
  for (const [sec, c] of conditions) {
    const r = step(s, c, at(sec), t, episode);
    log.push(...r.transitions.map((x) => x.to), ...(r.notice ? [`notice:${r.notice}`] : []));
    s = r.next;
  }
  return { state: s, log };
}

describe('alert state machine', () => {
  it.each([
    [
      'a blip shorter than for: pending then inactive',
      [
        [0, true],
        [30, true],
        [45, false],
        [200, false],
      ],
      ['pending', 'inactive'],
    ],
    [
      'held for `for`: fires once',
      [
        [0, true],
        [30, true],
        [60, true],
        [90, true],
      ],
      ['pending', 'firing', 'notice:firing'],
    ],
    [
      'clear for keepFiringFor: resolves once',
      [
        [0, true],
        [60, true],
        [70, false],
        [90, false],
        [100, false],
        [200, false],
      ],
      ['pending', 'firing', 'notice:firing', 'resolved', 'notice:resolved'],
    ],
    [
      'cleared for less than keepFiringFor and back: still one firing',
      [
        [0, true],
        [60, true],
        [70, false],
        [80, true],
        [95, false],
        [110, true],
      ],
      ['pending', 'firing', 'notice:firing'],
    ],
    [
      'a reminder every repeat while firing',
      [
        [0, true],
        [60, true],
        [600, true],
        [660, true],
        [1260, true],
      ],
      ['pending', 'firing', 'notice:firing', 'notice:repeat', 'notice:repeat'],
    ],
    [
      'after resolving, holding again starts a new episode through pending',
      [
        [0, true],
        [60, true],
        [70, false],
        [100, false],
        [110, true],
        [170, true],
      ],
      [
        'pending',
        'firing',
        'notice:firing',
        'resolved',
        'notice:resolved',
        'pending',
        'firing',
        'notice:firing',
      ],
    ],
  ] as [string, [number, boolean][], string[]][])('%s', (_title, conditions, expected) => {
    expect(run(conditions).log).toEqual(expected);
  });

  it('for 0 fires at the first evaluation that sees the condition', () => {
    expect(run([[0, true]], { ...timing, forSeconds: 0 }).log).toEqual([
      'pending',
      'firing',
      'notice:firing',
    ]);
  });

  it('keepFiringFor 0 resolves at the first evaluation that sees it clear', () => {
    const r = run(
      [
        [0, true],
        [60, true],
        [61, false],
      ],
      { ...timing, keepFiringForSeconds: 0 },
    );
    expect(r.log.slice(-2)).toEqual(['resolved', 'notice:resolved']);
  });

  it('a new episode per firing; resolving keeps the episode the resolved notice replies to', () => {
    const r = run([
      [0, true],
      [60, true],
      [70, false],
      [100, false],
    ]);
    expect(r.state.state).toBe('resolved');
    expect(r.state.episode).toMatch(/^e\d+$/);
  });
});

describe('comparisons are exact', () => {
  it.each([
    ['50000.000001', '>', '50000', true],
    ['50000', '>', '50000', false],
    ['50000', '>=', '50000', true],
    ['49999.999999', '<', '50000', true],
    ['0.1', '<=', '0.1', true],
    [null, '>', '0', false],
  ] as const)('%s %s %s is %s', (value, cmp, threshold, expected) => {
    expect(holds(value, cmp, threshold)).toBe(expected);
  });
});

describe('increase over a window from bounded samples', () => {
  it('measures from the newest sample at or before the window start, and keeps only what it needs', () => {
    const ms = (s: number) => T0.getTime() + s * 1000;
    let samples: [number, number][] = [[ms(0), 5]];
    const steps: number[] = [];
    for (const [s, total] of [
      [60, 5],
      [120, 8],
      [180, 9],
      [400, 9],
      [700, 9],
    ] as const) {
      const r = increase(samples, ms(s), total, 300);
      steps.push(r.increase);
      samples = r.samples;
    }
    expect(steps).toEqual([0, 3, 4, 4, 0]);
    expect(samples.length).toBeLessThanOrEqual(3);
  });

  it('a counter that went down (reset) counts from zero', () => {
    expect(increase([[0, 10]], 1000, 3, 300).increase).toBe(3);
  });
});

describe('settings seed the rules once', () => {
  it('ALERT_<NAME>_THRESHOLD and _FOR override the defaults; durations read 300, 300s, 5m, 1h', () => {
    expect([parseDuration('300'), parseDuration('300s'), parseDuration('5m'), parseDuration('1h')]).toEqual([
      300, 300, 300, 3600,
    ]);
    const seeds = seedsFrom(CORE_RULES, {
      ALERT_WORKER_DOWN_THRESHOLD: '90',
      ALERT_WORKER_DOWN_FOR: '2m',
    });
    expect(seeds.find((s) => s.name === 'worker_down')).toMatchObject({
      threshold: '90',
      forSeconds: 120,
      seededFrom: { threshold: 'ALERT_WORKER_DOWN_THRESHOLD', for: 'ALERT_WORKER_DOWN_FOR' },
    });
    expect(seeds.find((s) => s.name === 'notifications_backlog')).toMatchObject({
      threshold: '200',
      forSeconds: 600,
    });
  });

  it('a malformed value or a setting naming no rule is refused, all problems at once', () => {
    expect(() =>
      seedsFrom(CORE_RULES, {
        ALERT_WORKER_DOWN_THRESHOLD: 'lots',
        ALERT_WORKER_DOWN_FOR: 'soon',
        ALERT_WORKR_DOWN_FOR: '5m',
      }),
    ).toThrow(
      /ALERT_WORKR_DOWN_FOR names no alert rule.*ALERT_WORKER_DOWN_THRESHOLD must be a number.*ALERT_WORKER_DOWN_FOR must be a duration/,
    );
  });
});
