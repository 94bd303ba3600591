// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { labelCells } from './tableLabels';

describe('table cells named for the phone layout', () => {
  it('each body cell gets its column header as data-label, colspans counted', () => {
    document.body.innerHTML = `<main><table>
      <thead><tr><th>Kind</th><th>Status</th><th>Filed</th></tr></thead>
      <tbody><tr><td>flag.set</td><td>pending</td><td>now</td></tr><tr><td colspan="2">wide</td><td>x</td></tr></tbody>
    </table></main>`;
    labelCells(document.body);
    const labels = [...document.querySelectorAll('td')].map((td) => td.getAttribute('data-label'));
    expect(labels).toEqual(['Kind', 'Status', 'Filed', 'Kind', 'Filed']);
  });
});
