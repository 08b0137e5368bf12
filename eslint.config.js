// Type-aware lint over everything in the repo; scripts/test.ts runs it before a full test run,
// so the README's test command (and CI) fails on any finding.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import hob from './scripts/lint-rules.js';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', '.hob/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { hob },
    rules: {
      'hob/assertion-needs-why': 'error',
      'hob/disable-needs-why': 'error',
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test runs a file's tests itself and reports their failures; awaiting test() adds nothing.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      // A number prints the same everywhere; the rule is kept for what prints badly (undefined, objects).
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowAny: false, allowBoolean: false, allowNullish: false, allowRegExp: false, allowNever: false },
      ],
      // `(error) => reject(error)` is how callbacks are written here; void values elsewhere stay errors.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
    },
  },
  {
    // The config and the build script are plain JavaScript outside tsconfig: no types to check with.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
