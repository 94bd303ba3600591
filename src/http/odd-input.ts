import type { FieldError } from '../shared/errors.js';

/** A NUL byte (PostgreSQL text cannot hold one) or a UTF-16 surrogate without its pair (not Unicode). */
// eslint-disable-next-line no-control-regex -- finding the NUL byte is the point
const ODD = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const MAX_DEPTH = 64;
const MAX_REPORTED = 5;

/**
 * Where `value` (a parsed body, query or params) holds a string no desk table can store: the paths
 * of the first few (keys count too). Walked iteratively with a depth bound, so no input can overflow it.
 */
export function oddStrings(value: unknown, root: string): FieldError[] {
  const found: FieldError[] = [];
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: root, depth: 0 }];
  while (stack.length > 0 && found.length < MAX_REPORTED) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (ODD.test(v)) found.push({ path, message: 'contains a NUL byte or an unpaired UTF-16 surrogate' });
    } else if (v && typeof v === 'object' && depth < MAX_DEPTH) {
      for (const [k, child] of Object.entries(v)) {
        const p = `${path}.${k.slice(0, 64)}`;
        if (ODD.test(k)) {
          found.push({ path, message: 'has a key with a NUL byte or an unpaired UTF-16 surrogate' });
          break;
        }
        stack.push({ v: child, path: p, depth: depth + 1 });
      }
    }
  }
  return found;
}
