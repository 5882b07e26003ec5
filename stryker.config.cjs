/**
 * Mutation testing (`npm run test:mutation`, not part of `npm test`): StrykerJS mutates the pure
 * core and the SQL builders and runs the unit tests against each mutant. One module at a time:
 * `npm run test:mutation -- --mutate 'lambdas/ingest/window.ts'`. See docs/testing.md.
 */
const fs = require('node:fs');
const path = require('node:path');

/** What is mutated: the folders and files that hold logic with no I/O. Retarget here. */
const MUTATED = [
  // The catalogues and the foreign-key order they are read in, since the one-contract redesign.
  'contract/source-catalogue.ts',
  'contract/warehouse-catalogue.ts',
  'contract/topological-order.ts',
  'lambdas/shared/core/**/*.ts',
  'lambdas/transform/tables/**/*.ts',
  'lambdas/ingest/window.ts',
  'lambdas/load/upsert-sql.ts',
  // The ingest and load modules that unit tests reach on fakes of the ports, since the one-shape
  // redesign gave them those tests.
  'lambdas/ingest/backlog.ts',
  'lambdas/ingest/paused-tables.ts',
  'lambdas/ingest/schema-policy.ts',
  'lambdas/ingest/unfinished-attempts.ts',
  'lambdas/ingest/zone-step.ts',
  'lambdas/ingest/metrics.ts',
  'lambdas/load/load.ts',
  'lambdas/load/load-stage.ts',
  'lambdas/load/reconciliation.ts',
  'lambdas/load/metrics.ts',
  'lambdas/load/migrations.ts',
  // The pure rules of the deletes schedules and the schema changes.
  'contract/schedule-expression.ts',
  'lambdas/ingest/column-resize.ts',
  'lambdas/ingest/deletes/deletes-schedule.ts',
];

/** The modules of this run: `--mutate` on the command line, else the list above. */
function mutatedThisRun(argv) {
  const at = argv.findIndex((a) => a === '--mutate' || a === '-m');
  return at === -1 ? MUTATED : argv[at + 1].split(',');
}

/**
 * The TypeScript checker's project: the mutated modules and what they import, not every file
 * that imports them. With the whole project, each check of a core mutant re-checked most of it,
 * and the one checker process paced the run (15 mutants a minute over the core, against 20 with
 * this, measured 2026-12-05 on an idle machine). A mutant that breaks only an importer's types
 * is then run, and the tests decide.
 */
const CHECKED_PROJECT = '.stryker-tsconfig.json';
fs.writeFileSync(
  path.join(__dirname, CHECKED_PROJECT),
  `${JSON.stringify({ extends: './tsconfig.json', include: mutatedThisRun(process.argv) })}\n`,
);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
module.exports = {
  mutate: MUTATED,
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    // The unit tests only: an integration suite per mutant would take hours on two cores. The
    // source folders are roots too, though they hold no tests: jest's related-test search follows
    // imports only through files under a root, and a unit test that reaches the core through
    // local/, a fake in test/support or the transform's barrel was not found when they were not.
    config: {
      roots: [
        'test/unit',
        'test/support',
        'lambdas',
        'local',
        'contract',
        'cli',
        'lib',
        'bench',
      ].map((folder) => `<rootDir>/${folder}`),
      maxWorkers: 1,
    },
    // Each mutant runs only the test files that import its module, directly or not; without
    // this, every mutant loaded all the unit test files to pick its tests by name.
    enableFindRelatedTests: true,
  },
  checkers: ['typescript'],
  tsconfigFile: CHECKED_PROJECT,
  coverageAnalysis: 'perTest',
  // Static mutants change a module-level table (the ISO 4217 names, the day and month names):
  // each would rerun every unit test, 86 % of the time for data the unit tests check entry by
  // entry. They are left out; docs/testing.md says so.
  ignoreStatic: true,
  concurrency: 2,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // A mutant's tests may take this long beyond 1.5× their unmutated time before it counts as a
  // timeout. At 5 s, a mutant that only made a test fail timed out (window.ts 89:7 fails four unit
  // tests at once under plain jest), so the limit, not the tests, decided. A real hang still
  // times out, 20 s later.
  timeoutMS: 20000,
};
