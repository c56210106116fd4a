// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.rackshift/**', '.tools/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-require-imports': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
      // Validation patterns name control characters on purpose, to refuse them.
      'no-control-regex': 'off',
      // Prettier (npm run format) wraps code at 100; it leaves comments and long strings alone.
      'max-len': [
        'error',
        {
          code: 100,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreRegExpLiterals: true,
          ignoreUrls: true,
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Workflow code must stay deterministic: no node built-ins, no timers or randomness from
    // outside the SDK.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'crypto', 'child_process'],
              message: 'workflow code is deterministic: nothing from node',
            },
          ],
        },
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+activities/',
              allowTypeImports: true,
              message:
                'workflows import activity TYPES only (import type); decisions live in domain/',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'use sleep() from @temporalio/workflow' },
        { name: 'setInterval', message: 'use sleep() from @temporalio/workflow' },
      ],
    },
  },
  {
    // The layers (test/unit/layers.test.ts checks the same): activities never reach into
    // workflows/, not even for types; what both need lives in domain/.
    files: ['activities/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+workflows/',
              message: 'activities import nothing from workflows/ (not even types): use domain/',
            },
          ],
        },
      ],
    },
  },
  {
    // domain/ is pure decisions: no Temporal, no I/O, no runbook or activity code.
    files: ['domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(activities|workflows|temporal|worker|api|cli|lab|bench|test)/',
              message: 'domain/ imports only domain/, common/, inventory/ and zod',
            },
            {
              regex: '^(\\.\\./)+drivers/',
              allowTypeImports: true,
              message: 'domain/ imports driver TYPES only',
            },
            {
              regex: '^(@temporalio/|node:|fs$|path$|crypto$|child_process$)',
              message: 'domain/ is pure: no Temporal, no I/O',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['common/**/*.ts', 'inventory/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(domain|activities|workflows)/',
              message: 'common/ and inventory/ sit below domain/, activities/ and workflows/',
            },
          ],
        },
      ],
    },
  },
);
