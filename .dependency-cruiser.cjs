// The import rules of docs/architecture.md, checked by `npm run lint` (depcruise).
// Transport (http, telegram, worker, cli, main) → domains → shared (with config*.ts beside it).
const DOMAINS =
  '(alerts|approvals|audit|clients|flags|notifications|operators|secrets|settlement|trading|wallets)';
const TRANSPORT = '(http|telegram|worker|cli|main)';
// Tests may compose the whole desk (main/compose.ts) to drive it the way a user would.
const TEST = '\\.test\\.tsx?$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'No import cycles, type-only imports aside.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'domain-not-to-transport',
      severity: 'error',
      comment: 'A domain exports services; it never imports the entry points, the CLI or the transports.',
      from: { path: `^src/${DOMAINS}/`, pathNot: TEST },
      to: { path: `^src/${TRANSPORT}/` },
    },
    {
      name: 'transport-not-to-entry-points',
      severity: 'error',
      comment: 'Only the CLI reaches main/ (to start the desk); http, telegram and worker never do.',
      from: { path: '^src/(http|telegram|worker)/', pathNot: TEST },
      to: { path: '^src/(main|cli)/' },
    },
    {
      name: 'shared-not-to-domains',
      severity: 'error',
      comment:
        'shared/ and config*.ts import no domain or transport (shared/migrate.ts lists the migrations, which import nothing of ours).',
      from: { path: '^src/(shared/|config[.])', pathNot: TEST },
      to: {
        path: `^src/(${DOMAINS.slice(1, -1)}|${TRANSPORT.slice(1, -1)})/`,
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'shared-types-only-from-database',
      severity: 'error',
      comment: 'Only shared/database.ts may name domain types (the table composition).',
      from: { path: '^src/(shared/|config[.])', pathNot: [TEST, '^src/shared/database\\.ts$'] },
      to: { path: `^src/(${DOMAINS.slice(1, -1)}|${TRANSPORT.slice(1, -1)})/` },
    },
    {
      name: 'no-foreign-tables',
      severity: 'error',
      comment: "A domain reaches another domain's tables only through that domain's exported service.",
      from: { path: `^src/${DOMAINS}/`, pathNot: '\\.test\\.ts$' },
      to: { path: `^src/${DOMAINS}/[^/]+\\.(repo|tables)\\.ts$`, pathNot: '^src/$1/' },
    },
    {
      name: 'migrations-stand-alone',
      severity: 'error',
      comment: 'Migrations are frozen history: they import nothing of ours.',
      from: { path: '^src/migrations/' },
      to: { path: '^src/', pathNot: '^src/migrations/' },
    },
    {
      name: 'console-not-to-server',
      severity: 'error',
      comment: 'The console talks to the server over HTTP only.',
      from: { path: '^web/' },
      to: { path: '^(src|test|bench|scripts)/' },
    },
    {
      name: 'product-not-to-tests',
      severity: 'error',
      comment: 'Product code never imports test support.',
      from: { path: '^(src|web/src)/', pathNot: '\\.test\\.tsx?$' },
      to: { path: '(^test/|\\.test\\.tsx?$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    skipAnalysisNotInRules: true,
  },
};
