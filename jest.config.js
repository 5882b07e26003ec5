// The tests run on the developer's Node.js 20 while Lambda runs 22: the SDK's notice that its
// future releases need 22 would otherwise print in every worker. Workers inherit this.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Jest runs TypeScript through swc; hyparquet ships ESM only, so it is transformed too. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testPathIgnorePatterns: ['/node_modules/', '/test/support/'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(hyparquet|hyparquet-writer)/)'],
  moduleNameMapper: {
    '/import-es-module$': '<rootDir>/test/support/import-es-module.cjs',
  },
  testTimeout: 120000,
  maxWorkers: 2,
};
