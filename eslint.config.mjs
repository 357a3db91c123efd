// typescript-eslint's type-checked rules over everything we write: floating and misused promises are
// the anti-pattern STYLE.md names (unawaited sendActivity, next() or continueConversationAsync).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `_`-prefixed names and the rest of a destructuring say "deliberately left out" (Cosmos system fields).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Handlers implement async interfaces without always awaiting; an async function that returns at once is fine.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Specs read cards and HTTP answers as untyped JSON, which is what a person or Teams gets: the promise
    // rules hold there too, the rules about `any` do not.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: globals.node, sourceType: 'commonjs' },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Vite's config is an ES module outside every tsconfig: linted untyped.
    files: ['tab/vite.config.mjs'],
    languageOptions: { sourceType: 'module', parserOptions: { projectService: false, project: false } },
  },
);
