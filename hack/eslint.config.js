// ESLint flat config (run by `npm run lint` with --config hack/eslint.config.js):
// typescript-eslint type-checked rules, no floating promises, area boundaries (STYLE §5).
import { resolve } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.flotilla/**', 'coverage/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: resolve(import.meta.dirname, '..') },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      curly: ['error', 'multi-line'],
    },
  },
  {
    // Areas talk through federation/apis and federation/machinery only (STYLE §5).
    files: ['dns/**/*.ts', 'registry/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/member/**', '**/federation/controllers/**', '**/federation/cli/**'],
              message: 'import federation/apis or federation/machinery only',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['member/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/registry/**', '**/federation/controllers/**', '**/federation/cli/**'],
              message: 'import federation/apis or federation/machinery only',
            },
          ],
        },
      ],
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
