// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', '.output/', '.wxt/', 'dist/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // shared/ runs in the browser and in Node: no Node built-ins, no platform packages.
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*'], message: 'shared/ must stay platform-neutral (no node: imports).' },
          { group: ['sharp', 'fs', 'path', 'crypto', 'better-sqlite3', 'pg', 'discord.js', 'fastify'], message: 'shared/ must stay platform-neutral.' },
        ],
      }],
    },
  },
);
