import { describe, expect, it } from 'vitest';
import { problemsWith } from './support/fuzz/checks.js';
import { encodeSegment } from './support/fuzz/requests.js';

/** The fuzz test's own judge (test/api-fuzz.test.ts): it must catch what it claims to catch. */
describe('the API fuzz checks', () => {
  const problem = (status: number, extra: Record<string, unknown> = {}) => ({
    status,
    contentType: 'application/problem+json; charset=utf-8',
    body: JSON.stringify({
      type: 'urn:x',
      title: 'Bad Request',
      status,
      code: 'VALIDATION_FAILED',
      ...extra,
    }),
  });

  it('passes a 2xx and a complete problem+json 4xx', () => {
    expect(problemsWith({ status: 200, contentType: 'application/json', body: '{"ok":true}' })).toEqual([]);
    expect(problemsWith(problem(400))).toEqual([]);
  });

  it('flags a 5xx, a non-problem error, a missing or lower-case code, a status mismatch', () => {
    expect(problemsWith(problem(500))).toContain('status 500');
    expect(problemsWith({ status: 404, contentType: 'text/html', body: '<h1>no</h1>' })[0]).toMatch(
      /not application\/problem\+json/,
    );
    expect(problemsWith(problem(400, { code: undefined }))).toContain('a problem without a stable code');
    expect(problemsWith(problem(400, { code: 'oops' }))).toContain('a problem without a stable code');
    expect(problemsWith(problem(400, { status: 422 }))).toContain('a problem whose status 422 is not 400');
  });

  it('flags a stack trace, a node_modules path, a source path, a .ts file name', () => {
    const leaks = [
      'Error: x\n    at handler (file.js:1:1)',
      '/app/node_modules/fastify/lib/x.js',
      '/work/src/trading/x',
      'trades.service.ts:42',
    ];
    for (const detail of leaks) expect(problemsWith(problem(400, { detail })).length, detail).toBe(1);
  });

  it('percent-encodes lone surrogates as their WTF-8 bytes', () => {
    expect(encodeSegment('a\ud800b')).toBe('a%ED%A0%80b');
    expect(encodeSegment('\udfff')).toBe('%ED%BF%BF');
    expect(encodeSegment('😀 /')).toBe(encodeURIComponent('😀 /'));
  });
});
