import type { FuzzRequest } from './requests.js';

export interface FuzzResponse {
  status: number;
  contentType: string;
  body: string;
}

/** Signs that a reply leaks internals: a stack frame, a dependency path, a source file. */
const LEAKS: readonly [string, RegExp][] = [
  // In a JSON body the newline arrives escaped (`\n`): match both.
  ['a stack trace', /(?:\n|\\n)\s+at /],
  ['a node_modules path', /node_modules/],
  ['a source path', /\/src\//],
  ['a TypeScript file name', /\.ts:\d/],
];

/** What is wrong with one reply (empty when nothing is): no 5xx, errors as problem+json with a code, no leaks. */
export function problemsWith(res: FuzzResponse): string[] {
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`status ${res.status}`);
  if (res.status >= 400) {
    if (!/^application\/problem\+json/.test(res.contentType))
      problems.push(`an error of type "${res.contentType}", not application/problem+json`);
    else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(res.body);
      } catch {
        problems.push('a problem+json body that is not JSON');
      }
      const p = (parsed ?? {}) as Record<string, unknown>;
      if (typeof p.type !== 'string' || typeof p.title !== 'string')
        problems.push('a problem without type/title');
      if (p.status !== res.status)
        problems.push(`a problem whose status ${String(p.status)} is not ${res.status}`);
      if (typeof p.code !== 'string' || !/^[A-Z][A-Z_]+$/.test(p.code))
        problems.push('a problem without a stable code');
    }
  }
  for (const [what, pattern] of LEAKS) if (pattern.test(res.body)) problems.push(`${what} in the body`);
  return problems;
}

/** The request as a reader replays it: method, URL, caller, headers, body, and the seed of the run. */
export function describeFailure(
  req: FuzzRequest,
  res: FuzzResponse,
  problems: string[],
  seed: number,
): string {
  return [
    `${problems.join('; ')}`,
    `  request: ${req.method} ${req.url} (as ${req.caller})`,
    `  headers: ${JSON.stringify(req.headers)}`,
    `  body: ${req.body === undefined ? '(none)' : JSON.stringify(req.body.slice(0, 2000))}`,
    `  reply: ${res.status} ${res.contentType} ${JSON.stringify(res.body.slice(0, 500))}`,
    `  replay: FUZZ_SEED=${seed} FUZZ_ONLY='${req.method} <path template>' npx vitest run test/api-fuzz.test.ts`,
  ].join('\n');
}
