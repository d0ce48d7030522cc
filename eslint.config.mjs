import { createRequire } from 'node:module';
import * as path from 'node:path';

import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const require = createRequire(import.meta.url);
require('./scripts/register-ts');
const { TABLE_OWNERS } = require('./libs/core/src/database/table-ownership.ts');

/**
 * latchkey/table-ownership: SQL in a lib's string or template literal names only the lib's own
 * tables (TABLE_OWNERS); another lib's table is read through a port its owner provides.
 * test/platform/table-ownership checks the same, and entity registrations too.
 */
const tableOwnership = {
  meta: {
    type: 'problem',
    schema: [],
    messages: { crossing: 'SQL names {{table}}, a table of libs/{{owner}}: read it through a port {{owner}} provides.' },
  },
  create(context) {
    const rel = path.relative(path.join(import.meta.dirname, 'libs'), context.filename).split(path.sep);
    const lib = rel[0];
    if (rel.length < 2 || lib === '..' || rel.includes('migrations')) {
      return {};
    }
    const check = (node, text) => {
      for (const m of text.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE|TABLE|TRUNCATE)\s+([a-z_][a-z0-9_]*)\b/g)) {
        const owner = TABLE_OWNERS[m[1]];
        if (owner && owner !== lib) {
          context.report({ node, messageId: 'crossing', data: { table: m[1], owner } });
        }
      }
    };
    return {
      Literal: (node) => typeof node.value === 'string' && check(node, node.value),
      TemplateLiteral: (node) => check(node, node.quasis.map((q) => q.value.cooked ?? q.value.raw).join(' ')),
    };
  },
};

const LIBS = [
  'core',
  'users',
  'sessions',
  'auth',
  'mfa',
  'accounts',
  'notifications',
  'support',
  'audit',
  'exports',
  'service-access',
  'webhooks',
  'api-keys',
  'connected-accounts',
  'platform',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'admin-ui/**', 'coverage/**', 'bench/**', 'scripts/**', '*.js', '*.mjs', '.data/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { latchkey: { rules: { 'table-ownership': tableOwnership } } },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      eqeqeq: ['error', 'always'],
      curly: ['error', 'all'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      'latchkey/table-ownership': 'error',
      // Libs reach each other only through their public index (@latchkey/<lib>), never by deep paths.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@latchkey/*/*', '!@latchkey/core/testing'], message: 'Import a lib through its index: @latchkey/<lib>.' },
            ...LIBS.map((lib) => ({ group: [`**/libs/${lib}/**`], message: `Import @latchkey/${lib} instead of a deep path.` })),
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-non-null-assertion': 'off', 'latchkey/table-ownership': 'off' },
  },
);
