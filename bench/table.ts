export interface BenchRow {
  name: string;
  value: string;
}

export function printTable(rows: BenchRow[]): void {
  const width = Math.max(...rows.map((r) => r.name.length), 'benchmark'.length);
  console.log(`${'benchmark'.padEnd(width)} | result`);
  console.log(`${'-'.repeat(width)}-|-${'-'.repeat(24)}`);
  for (const r of rows) console.log(`${r.name.padEnd(width)} | ${r.value}`);
}
