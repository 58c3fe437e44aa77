// Lint rules, including the one-way import rule of CONVENTIONS.md:
// shared (components/ui, lib, api) → features → app. Shared code imports no
// feature or app code; a feature imports no other feature and no app code.
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const features = readdirSync(new URL('./src/features', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

// Cross-folder imports go through `@/…` so the rules below can see them.
const noDeepRelative = {
  regex: '^(\\.\\./){2,}',
  message: 'Import across folders with the `@/` alias.',
};

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'src/api/generated', 'test-results'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // We do not run the React Compiler; TanStack Table/Virtual are used as documented.
      'react-hooks/incompatible-library': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [noDeepRelative] }],
    },
  },
  {
    files: ['src/components/**', 'src/lib/**', 'src/api/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noDeepRelative,
            { regex: '^@/(features|app)(/|$)', message: 'Shared code must not import features or the app.' },
          ],
        },
      ],
    },
  },
  ...features.map((feature) => ({
    files: [`src/features/${feature}/**`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noDeepRelative,
            { regex: '^@/app(/|$)', message: 'Features must not import the app.' },
            {
              regex: `^@/features/(?!${feature}/)`,
              message: 'Features must not import each other; lift shared code to src/lib or src/components.',
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['scripts/**', 'e2e/**', '*.config.{js,ts,cjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
);
