import { benchAlerts } from './alerts.bench.js';
import { benchApprovals } from './approvals.bench.js';
import { benchAudit } from './audit.bench.js';
import { benchLogin } from './login.bench.js';
import { benchOverview } from './overview.bench.js';
import { benchStartup } from './startup.bench.js';
import { benchSettlement } from './settlement.bench.js';
import { printTable, type BenchRow } from './table.js';
import { benchTrading } from './trading.bench.js';

/**
 * `npm run bench [name…]`: benchmarks, separate from tests (tests never assert timings).
 * Each prints into one table; quote the figures in issue notes with the machine they ran on.
 */
const benches: Record<string, () => Promise<BenchRow[]>> = {
  startup: benchStartup,
  login: benchLogin,
  audit: benchAudit,
  approvals: benchApprovals,
  trading: benchTrading,
  settlement: benchSettlement,
  alerts: benchAlerts,
  overview: benchOverview,
};

const wanted = process.argv.slice(2).filter((a) => a !== '--');
const rows: BenchRow[] = [];
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  process.stderr.write(`running ${name}…\n`);
  rows.push(...(await run()));
}
printTable(rows);
