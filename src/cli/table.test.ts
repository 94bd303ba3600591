import { describe, expect, it } from 'vitest';
import { formatTable } from './table.js';

describe('desk tables', () => {
  it('print a header line, then the rows, columns lined up', () => {
    expect(
      formatTable(
        ['EMAIL', 'ROLES', 'MFA'],
        [
          ['ada@desk.test', 'risk_officer', 'yes'],
          ['b@desk.test', '', 'no'],
        ],
      ),
    ).toBe(
      [
        'EMAIL          ROLES         MFA',
        'ada@desk.test  risk_officer  yes',
        'b@desk.test                  no',
      ].join('\n'),
    );
  });
});
