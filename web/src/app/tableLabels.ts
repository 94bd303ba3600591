import { useEffect, type RefObject } from 'react';

/**
 * On a phone every table is shown as stacked cards (styles.css): each cell then carries its
 * column's name, copied here from the table's header into `data-label` (shown by CSS before the
 * value). One observer over the page keeps the labels right as tables load, page and refresh live,
 * so no screen has to do anything for it.
 */
export function labelCells(root: ParentNode): void {
  for (const table of root.querySelectorAll('table')) {
    const headers = [...table.querySelectorAll('thead tr:last-child th')].map(
      (th) => th.textContent?.trim() ?? '',
    );
    if (!headers.length) continue;
    for (const row of table.querySelectorAll('tbody tr')) {
      let column = 0;
      for (const cell of row.children) {
        const label = headers[column] ?? '';
        if (cell.getAttribute('data-label') !== label) cell.setAttribute('data-label', label);
        column += (cell as HTMLTableCellElement).colSpan || 1;
      }
    }
  }
}

export function useTableLabels(ref: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const root = ref.current;
    if (!root) return;
    labelCells(root);
    const observer = new MutationObserver(() => labelCells(root));
    observer.observe(root, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [ref]);
}
