import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { readdirSync } from 'node:fs';
import { URL } from 'node:url';

/**
 * Dependency direction (README "Architecture"): lib/ and cli/ may import lambdas/, never the other way; Lambda code
 * never imports aws-cdk-lib; a job never imports another job (shared code lives in lambdas/shared/). The job list is
 * read from lambdas/, so a new job folder is covered without editing this file.
 */
const jobs = readdirSync(new URL('./lambdas/', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'shared')
  .map((d) => d.name);
const lambdaBoundary = [
  {
    regex: '^(\\.\\./)+(lib|cli|bin)(/|$)',
    message: 'Lambda code never imports lib/, cli/ or bin/: imports run from lib and cli into lambdas, never back.',
  },
  { regex: '^aws-cdk-lib(/|$)', message: 'Lambda code never imports aws-cdk-lib (infrastructure lives in lib/).' },
];
/**
 * Lambda code takes zod from lambdas/shared/zod.ts (zod/mini with English messages): classic zod's method chains and
 * JSON-schema code do not tree-shake and add ~60 KiB to every bundle. lib/ and cli/ are not bundled and use classic.
 */
const zodMini = {
  regex: '^zod(/|$)',
  message: "Lambda code imports zod as `import * as z from '../shared/zod'` (zod/mini; classic zod adds ~60 KiB).",
};
/** `import { z } from 'zod'` bundles all of zod, locales included (444 KiB); the namespace import keeps what is used. */
const zodNamespace = {
  selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
  message: "Use `import * as z from 'zod'`: the named import bundles all of zod (locales included).",
};
const otherJobs = (job) => ({
  regex: `^(\\.\\./)+(${jobs.filter((j) => j !== job).join('|')})(/|$)`,
  message: 'A job never imports another job: move what both need to lambdas/shared/.',
});
const boundaries = [
  {
    files: ['lambdas/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...lambdaBoundary,
            zodMini,
            { regex: `^(\\.\\./)+(${jobs.join('|')})(/|$)`, message: 'lambdas/shared never imports a job.' },
          ],
        },
      ],
    },
  },
  ...jobs.map((job) => ({
    files: [`lambdas/${job}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...lambdaBoundary, zodMini, otherJobs(job)] }],
    },
  })),
  // The one module that imports zod/mini itself.
  { files: ['lambdas/shared/zod.ts'], rules: { 'no-restricted-imports': ['error', { patterns: lambdaBoundary }] } },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', '**/*.d.ts', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      'no-restricted-syntax': ['error', zodNamespace],
    },
  },
  ...boundaries,
  {
    // Tests read raw CloudFormation and fixtures; loose types there are honest about what they are.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.cjs', '**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
