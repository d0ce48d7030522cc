import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const LIBS = ['core', 'users', 'sessions', 'auth', 'mfa', 'accounts', 'notifications', 'support', 'audit', 'exports', 'service-access', 'webhooks', 'api-keys', 'connected-accounts', 'platform'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'admin-ui/**', 'coverage/**', 'bench/**', 'scripts/**', '*.js', '*.mjs', '.data/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      eqeqeq: ['error', 'always'],
      curly: ['error', 'all'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
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
    rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
