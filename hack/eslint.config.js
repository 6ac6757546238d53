// ESLint flat config (run by `npm run lint` with --config hack/eslint.config.js):
// typescript-eslint type-checked rules, no floating promises, area boundaries (STYLE §5).
import { resolve } from 'node:path';
import js from '@eslint/js';
import { dirname, relative } from 'node:path';
import tseslint from 'typescript-eslint';

const root = resolve(import.meta.dirname, '..');
const LAYERS = ['api', 'machinery', 'federation', 'member', 'dns', 'registry', 'dashboard'];
/** What each top-level folder may import besides itself. */
const ALLOWED = {
  machinery: [],
  api: ['machinery'],
  federation: ['api', 'machinery'],
  member: ['api', 'machinery'],
  dns: ['api', 'machinery'],
  registry: ['api', 'machinery'],
  dashboard: ['api', 'machinery'],
};
/**
 * Assemblies outside a cmd/ that may also import another area's public index.js: the federation
 * API server's one assembly (run by its binary and by the in-process FederationControlPlane)
 * serves the dashboard.
 */
const INDEX_IMPORTS = { 'federation/apiserver': ['dashboard'] };
/** @type {import('eslint').Rule.RuleModule} */
const areaImports = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const [from, dir] = relative(root, context.filename).split('/');
    const inCmd = dir === 'cmd';
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const to = relative(root, resolve(dirname(context.filename), spec)).split('/')[0];
      if (to === from || !LAYERS.includes(to) || ALLOWED[from]?.includes(to)) return;
      // a binary's entrypoint (<area>/cmd/) is a composition root: it may use another area's
      // public index (the federation API server serving the promotion API, for one)
      const target = relative(root, resolve(dirname(context.filename), spec));
      if (inCmd && target === `${to}/index.js`) return;
      if (INDEX_IMPORTS[`${from}/${dir}`]?.includes(to) && target === `${to}/index.js`) return;
      context.report({
        node: node.source,
        message: `${from}/ may import ${[from, ...(ALLOWED[from] ?? [])].join(', ')} only, not ${to}/ (docs/architecture.md)`,
      });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default tseslint.config(
  // dashboard/web/: browser modules (JSDoc-typed JavaScript), type-checked by their own
  // dashboard/web/tsconfig.json (DOM lib), not by the Node project's rules
  {
    ignores: ['node_modules/**', '.flotilla/**', 'coverage/**', 'dist/**', 'dashboard/web/**'],
  },
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
    // Layering (docs/architecture.md): machinery/ imports nothing of the project, api/ only
    // machinery/, and each area (federation, member, dns, registry) only api/, machinery/ and
    // itself. hack/, test/ and examples/ assemble the areas and may import anything.
    files: ['{api,machinery,federation,member,dns,registry,dashboard}/**/*.ts'],
    plugins: { flotilla: { rules: { 'area-imports': areaImports } } },
    rules: { 'flotilla/area-imports': 'error' },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
