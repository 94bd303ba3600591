import { describe, expect, it } from 'vitest';
import { isConnectionError } from './errors.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isConnectionError: what counts as "the database cannot be reached"', () => {
  it.each([
    ['ECONNREFUSED', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['admin shutdown 57P01', withCode('57P01')],
    ['crash shutdown 57P02', withCode('57P02')],
    ['starting up 57P03', withCode('57P03')],
    ['connection failure 08006', withCode('08006')],
    ['08xxx', withCode('08P01')],
    ['Connection terminated', new Error('Connection terminated unexpectedly')],
    ['wrapped in a cause', new Error('outer', { cause: withCode('ECONNREFUSED') })],
    ['an AggregateError', new AggregateError([withCode('ECONNREFUSED')], 'many')],
  ])('%s', (_name, err) => expect(isConnectionError(err)).toBe(true));

  it.each([
    ['unique violation', withCode('23505')],
    ['bad input', withCode('22P02')],
    ['serialization', withCode('40001')],
    ['a plain error', new Error('boom')],
    ['not an error', 'text'],
  ])('not: %s', (_name, err) => expect(isConnectionError(err)).toBe(false));
});
