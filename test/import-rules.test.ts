import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const depcruise = path.join(root, 'node_modules/.bin/depcruise');
const config = path.join(root, '.dependency-cruiser.cjs');

/** Runs the import rules over a tree and returns the names of the rules it breaks. */
async function violations(cwd: string, dirs: string[]): Promise<string[]> {
  // The JSON report of the whole tree is several megabytes: room for it, not the default 1 MB.
  const { stdout } = await run(depcruise, [...dirs, '--config', config, '--output-type', 'json'], {
    cwd,
    maxBuffer: 256 * 1024 * 1024,
  }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  const report = JSON.parse(stdout) as { summary: { violations: { rule: { name: string } }[] } };
  return report.summary.violations.map((v) => v.rule.name).sort();
}

const scratch: string[] = [];
/** A throw-away tree with the given files, laid out like the desk's. */
async function plant(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-imports-'));
  scratch.push(dir);
  await fs.writeFile(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', jsx: 'react-jsx' },
    }),
  );
  for (const [file, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await fs.writeFile(path.join(dir, file), text);
  }
  return dir;
}
afterAll(async () => {
  for (const dir of scratch) await fs.rm(dir, { recursive: true, force: true });
});

describe('the import rules (npm run lint:imports)', () => {
  it('the tree as it is keeps them', async () => {
    expect(await violations(root, ['src', 'web/src', 'test', 'bench', 'scripts'])).toEqual([]);
  }, 60_000);

  it.each([
    [
      'domain-not-to-transport',
      {
        'src/wallets/ledger.ts':
          "import { withDesk } from '../cli/context.js';\nexport const x = withDesk;\n",
        'src/cli/context.ts': 'export const withDesk = 1;\n',
      },
    ],
    [
      'domain-not-to-transport',
      {
        'src/operators/sessions.ts':
          "import { secrets } from '../main/secrets.js';\nexport const x = secrets;\n",
        'src/main/secrets.ts': 'export const secrets = 1;\n',
      },
    ],
    [
      'transport-not-to-entry-points',
      {
        'src/http/server.ts': "import { compose } from '../main/compose.js';\nexport const x = compose;\n",
        'src/main/compose.ts': 'export const compose = 1;\n',
      },
    ],
    [
      'shared-not-to-domains',
      {
        'src/shared/money.ts': "import { trade } from '../trading/trades.js';\nexport const x = trade;\n",
        'src/trading/trades.ts': 'export const trade = 1;\n',
      },
    ],
    [
      'shared-types-only-from-database',
      {
        'src/shared/clock.ts': "import type { T } from '../trading/trades.js';\nexport type X = T;\n",
        'src/trading/trades.ts': 'export type T = 1;\n',
      },
    ],
    [
      'no-foreign-tables',
      {
        'src/wallets/ledger.ts':
          "import type { T } from '../trading/trading.tables.js';\nexport type X = T;\n",
        'src/trading/trading.tables.ts': 'export type T = 1;\n',
      },
    ],
    [
      'no-cycles',
      {
        'src/telegram/bot.ts':
          "import { f } from './features/pending.js';\nexport const url = 1;\nexport const x = f;\n",
        'src/telegram/features/pending.ts': "import { url } from '../bot.js';\nexport const f = url;\n",
      },
    ],
    [
      'no-cycles',
      {
        'web/src/app/App.tsx': "import { routes } from '../features/a/routes';\nexport const App = routes;\n",
        'web/src/features/a/routes.tsx':
          "import { App } from '../../app/App';\nexport const routes = [App];\n",
      },
    ],
    [
      'console-not-to-server',
      {
        'web/src/api.ts': "import { x } from '../../src/shared/money.js';\nexport const y = x;\n",
        'src/shared/money.ts': 'export const x = 1;\n',
      },
    ],
  ])(
    'a planted import breaking %s is caught',
    async (rule, files) => {
      const dir = await plant(files);
      const tops = [...new Set(Object.keys(files).map((f) => f.split('/')[0] ?? f))];
      expect(await violations(dir, tops)).toContain(rule);
    },
    60_000,
  );

  it('type-only cycles and type-only table composition in shared/database.ts are allowed', async () => {
    const dir = await plant({
      'src/shared/database.ts':
        "import type { T } from '../trading/trading.tables.js';\nexport type D = T;\n",
      'src/trading/trading.tables.ts': 'export type T = 1;\n',
      'src/telegram/bot.ts': "import type { F } from './features/pending.js';\nexport type B = F;\n",
      'src/telegram/features/pending.ts': "import type { B } from '../bot.js';\nexport type F = B | 1;\n",
    });
    expect(await violations(dir, ['src'])).toEqual([]);
  }, 60_000);
});
