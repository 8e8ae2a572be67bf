// Lint rules of the house (issue 15): typescript-eslint's recommended set without type information
// (type-checked linting is too slow for CI on small machines; `tsc --noEmit` already type-checks),
// plus a few rules that catch real mistakes. Formatting is prettier's job, not the linter's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/**', 'dist-check/**', 'node_modules/**', '**/fixtures/**', 'sample/**', 'scratch/**', 'tmp/**', '.cm-state/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        // Node ≥ 20 globals the code uses; listed here rather than pulling in the `globals` package.
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        clearImmediate: 'readonly',
        queueMicrotask: 'readonly',
        structuredClone: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
        WebAssembly: 'readonly',
        globalThis: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // `== null` covers null and undefined at once, the one loose comparison worth keeping.
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
      // The CLI, the scripts and the benchmark talk to the terminal; library code logs through its Logger.
      'no-console': 'off',
    },
  },
);
