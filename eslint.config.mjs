// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The pure core may not reach AWS, the database, the file system or the environment. */
const coreRestrictions = {
  patterns: [
    {
      group: ['@aws-sdk/*', '@aws-lambda-powertools/*'],
      message: 'The pure core knows nothing of AWS: take a port instead.',
    },
    {
      group: ['pg', 'pg-*'],
      message: 'The pure core knows nothing of PostgreSQL: take a port instead.',
    },
    { group: ['fs', 'node:fs', 'fs/*', 'node:fs/*'], message: 'The pure core does no I/O.' },
    {
      group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
      message: 'Lambda code never imports CDK code.',
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'cdk.out/**',
      'coverage/**',
      '.deliverance/**',
      '.bench/**',
      'scratch/**',
      'reports/**',
      '.stryker-tmp/**',
      '**/*.cjs',
      'jest.config.js',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['lambdas/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', '**/lib/*'],
              message: 'Lambda code never imports CDK code.',
            },
          ],
        },
      ],
      // An error without a kind is retried as transient (pipeline-error.ts): say what it is.
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Error'], CallExpression[callee.name='Error']",
          message:
            'Raise a PipelineError with a kind (ConfigurationError, InvariantError, TransientError or a named one): a bare Error is retried as transient.',
        },
      ],
    },
  },
  {
    files: [
      'contract/**/*.ts',
      'lambdas/shared/core/**/*.ts',
      'lambdas/transform/tables/**/*.ts',
      'lambdas/ingest/window.ts',
    ],
    rules: {
      'no-restricted-imports': ['error', coreRestrictions],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'The pure core reads no environment.' },
      ],
    },
  },
  {
    files: ['lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/lambdas/**'],
              message: 'CDK code never imports Lambda code; it names entry files by path.',
            },
          ],
        },
      ],
    },
  },
  { files: ['eslint.config.mjs'], extends: [tseslint.configs.disableTypeChecked] },
);
