/**
 * Mutation testing (`npm run test:mutation`, not part of `npm test`): StrykerJS mutates the pure
 * core and the SQL builders and runs the unit tests against each mutant. One module at a time:
 * `npm run test:mutation -- --mutate 'lambdas/ingest/window.ts'`. See docs/testing.md.
 */

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
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
module.exports = {
  mutate: MUTATED,
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    // The unit tests only: an integration suite per mutant would take hours on two cores.
    config: { roots: ['<rootDir>/test/unit'], maxWorkers: 1 },
    // Off: jest's related-test search missed a third of the unit tests (those reaching the core
    // through local/ or the transform's barrel), and their mutants were reported as surviving.
    // Per-test coverage still runs only the tests that reach each mutant.
    enableFindRelatedTests: false,
  },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.mutation.json',
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
  timeoutMS: 5000,
};
