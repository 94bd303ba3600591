import fc from 'fast-check';
import type { JsonSchema } from './openapi.js';

/** Strings that have broken parsers before: NUL, lone surrogates, huge numbers, odd dates, odd money. */
export const JUNK_STRINGS: readonly string[] = [
  '',
  ' ',
  'null',
  'undefined',
  'true',
  '0',
  '-1',
  '-0',
  '1e308',
  '9'.repeat(30),
  '9999999999999999999',
  '0.0000000000000000001',
  '1.5',
  ' 1 ',
  '1,000',
  '0x10',
  'NaN',
  'Infinity',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'a\udfffb',
  '\ud83d',
  '😀👍🏽',
  'Ω≈ç√∫',
  '\u202e\u200b\ufeff',
  '\r\n\t',
  '../../etc/passwd',
  '%00',
  '%',
  "' OR 1=1 --",
  '"; DROP TABLE operators; --',
  '<script>alert(1)</script>',
  '{"a":1}',
  '[]',
  'x'.repeat(5000),
  '-100000-01-01T00:00:00.000Z',
  '+275760-09-13T00:00:00.000Z',
  '2026-02-30T00:00:00Z',
  '0000-00-00',
  '1970-01-01T00:00:00Z',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF',
  'usdk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t',
  '0x0000000000000000000000000000000000000000',
];

export const JUNK_NUMBERS: readonly number[] = [
  0,
  -1,
  -0,
  0.5,
  1e308,
  -1e308,
  2 ** 53,
  -(2 ** 63),
  2 ** 31,
  Number.MIN_VALUE,
];

/** A junk string: a known troublemaker, or random text of any code points. */
export function junkString(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...JUNK_STRINGS) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  );
}

/** Ids the fuzzer knows exist (a client, an operator it may harm), mixed in so routes get past "not found". */
export interface KnownIds {
  uuids: string[];
  /** Flag keys, approval kinds, alert names: the words plain string fields and path segments take. */
  words: string[];
}

function typeOf(schema: JsonSchema): string | undefined {
  return Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
}

function validString(schema: JsonSchema, known: KnownIds): fc.Arbitrary<string> {
  if (schema.format === 'uuid')
    return known.uuids.length ? fc.oneof(fc.uuid(), fc.constantFrom(...known.uuids)) : fc.uuid();
  if (schema.format === 'date-time')
    return fc
      .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString());
  if (schema.format === 'email') return fc.emailAddress();
  if (schema.pattern) {
    try {
      return fc
        .stringMatching(new RegExp(schema.pattern))
        .filter((s) => s.length <= (schema.maxLength ?? 200));
    } catch {
      // A pattern JavaScript cannot compile: fall through to plain text.
    }
  }
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 60, 60));
  const words = known.words.filter(
    (w) => w.length >= minLength && w.length <= (schema.maxLength ?? Infinity),
  );
  return fc.oneof(
    fc.string({ minLength, maxLength }),
    ...(words.length ? [fc.constantFrom(...words)] : []),
    // Money, prices, reasons: what the desk's string fields usually hold.
    fc
      .constantFrom('1', '100', '1000.5', '0.01', 'Checked the runbook and the pilot plan')
      .filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity)),
  );
}

/** A value the schema accepts, or close to it (the server may still refuse it on business rules). */
export function validValue(schema: JsonSchema, known: KnownIds, depth = 0): fc.Arbitrary<unknown> {
  const base = validBase(schema, known, depth);
  return schema.nullable ? fc.oneof({ weight: 4, arbitrary: base }, fc.constant(null)) : base;
}

function validBase(schema: JsonSchema, known: KnownIds, depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => validValue(s, known, depth + 1)));
  switch (typeOf(schema)) {
    case 'string':
      return validString(schema, known);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1000,
        max: schema.maximum ?? 1_000_000,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(schema.items ? validValue(schema.items, known, depth + 1) : fc.jsonValue(), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, 4),
      });
    case 'object':
      return validObject(schema, known, depth);
    default:
      return depth > 2 ? fc.constant({}) : fc.jsonValue({ maxDepth: 2 });
  }
}

function validObject(schema: JsonSchema, known: KnownIds, depth: number): fc.Arbitrary<unknown> {
  const props = schema.properties ?? {};
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, sub] of Object.entries(props)) shape[key] = validValue(sub, known, depth + 1);
  return fc.record(shape, { requiredKeys: (schema.required ?? []).filter((k) => k in props) });
}

/** A value of the wrong kind: another type, a boundary, junk text, an empty or extra-keyed object. */
export function wrongValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  const bounds: number[] = [...JUNK_NUMBERS];
  if (schema.minimum !== undefined) bounds.push(schema.minimum - 1);
  if (schema.maximum !== undefined) bounds.push(schema.maximum + 1);
  const long = schema.maxLength !== undefined ? ['y'.repeat(schema.maxLength + 1)] : [];
  return fc.oneof(
    junkString(),
    fc.constantFrom(...bounds),
    fc.constantFrom(null, true, false, [], {}, { $ne: 1 }, [1, 'a', null], ...long),
    fc.jsonValue({ maxDepth: 2 }),
  );
}

/** A body from the schema, then sometimes broken: a field of the wrong type, a required key gone, an extra key. */
export function mutatedValue(schema: JsonSchema, known: KnownIds): fc.Arbitrary<unknown> {
  if (typeOf(schema) !== 'object' || !schema.properties) return wrongValue(schema);
  const props = Object.keys(schema.properties);
  return validValue(schema, known).chain((value) => {
    const obj: Record<string, unknown> =
      typeof value === 'object' && value !== null ? { ...(value as Record<string, unknown>) } : {};
    return fc.oneof(
      ...(props.length
        ? [
            fc
              .tuple(fc.constantFrom(...props), fc.constant(null))
              .chain(([key]) =>
                wrongValue(schema.properties?.[key] ?? {}).map((bad) => ({ ...obj, [key]: bad })),
              ),
            fc.constantFrom(...props).map((key) => {
              const rest = { ...obj };
              delete rest[key];
              return rest;
            }),
          ]
        : []),
      fc
        .tuple(
          fc.constantFrom('__proto__', 'constructor', 'extra', '', '\u0000'),
          fc.jsonValue({ maxDepth: 1 }),
        )
        .map(([key, extra]) => JSON.parse(JSON.stringify({ ...obj, [key]: extra })) as unknown),
      wrongValue(schema),
    );
  });
}
