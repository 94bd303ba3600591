/**
 * Compiles contracts/*.sol with the `solc` npm package (offline: the compiler ships inside the package)
 * and writes contracts/artifacts.json (ABI + bytecode), which the local chain deploys. Run it after
 * changing a contract: `npx tsx scripts/compile-contracts.ts`; `--check` exits non-zero when the
 * committed artifacts are not what the sources compile to.
 */
import fs from 'node:fs';
import path from 'node:path';
import { compileContracts, ARTIFACTS_FILE } from '../src/wallets/evm/contracts.compile.js';

const out = `${JSON.stringify(compileContracts(), null, 2)}\n`;
if (process.argv.includes('--check')) {
  const committed = fs.readFileSync(ARTIFACTS_FILE, 'utf8');
  if (committed !== out) {
    process.stderr.write(
      `${path.relative(process.cwd(), ARTIFACTS_FILE)} is stale: run npx tsx scripts/compile-contracts.ts\n`,
    );
    process.exit(1);
  }
  process.stdout.write('contracts/artifacts.json matches the sources\n');
} else {
  fs.writeFileSync(ARTIFACTS_FILE, out);
  process.stdout.write(`wrote ${path.relative(process.cwd(), ARTIFACTS_FILE)}\n`);
}
