import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Lints `source` as if it were the file at `filePath` (nothing is written) and returns ESLint's JSON messages. */
function lint(filePath: string, source: string): { ruleId: string | null; message: string }[] {
  const run = spawnSync(
    process.execPath,
    [
      join(__dirname, '..', 'node_modules', 'eslint', 'bin', 'eslint.js'),
      '--format',
      'json',
      '--stdin',
      '--stdin-filename',
      filePath,
    ],
    { input: source, encoding: 'utf8', cwd: join(__dirname, '..') },
  );
  const results = JSON.parse(run.stdout) as { messages: { ruleId: string | null; message: string }[] }[];
  return results.flatMap((r) => r.messages);
}

const restricted = (filePath: string, source: string) =>
  lint(filePath, source).filter((m) => m.ruleId === 'no-restricted-imports');

describe('zod is imported as a namespace (eslint.config.mjs)', () => {
  it('refuses the named import that bundles all of zod', () => {
    const found = lint('lib/config/x.ts', "import { z } from 'zod';\nexport const s = z.string();\n").filter(
      (m) => m.ruleId === 'no-restricted-syntax',
    );
    expect(found.map((m) => m.message)).toEqual([expect.stringMatching(/import \* as z from 'zod'/)]);
  });

  it('accepts the namespace import', () => {
    expect(lint('lib/config/x.ts', "import * as z from 'zod';\nexport const s = z.string();\n")).toEqual([]);
  });
});

describe('Lambda code takes zod/mini from lambdas/shared/zod.ts (eslint.config.mjs)', () => {
  it.each([
    ['lambdas/alert-notifier/config.ts', "import * as z from 'zod';"],
    ['lambdas/ebs-audit/handler.ts', "import * as z from 'zod/mini';"],
    ['lambdas/shared/env.ts', "import * as z from 'zod/v4';"],
  ])('%s: %s is refused', (filePath, source) => {
    const found = restricted(filePath, `${source}\nexport const s = z.string();\n`);
    expect(found).toHaveLength(1);
    expect(found[0].message).toMatch(/shared\/zod/);
  });

  it.each([
    ['lambdas/alert-notifier/config.ts', "import * as z from '../shared/zod';"],
    ['lambdas/shared/env.ts', "import * as z from './zod';"],
    ['lambdas/shared/zod.ts', "import * as z from 'zod/mini';"],
    ['cli/commands/x.ts', "import * as z from 'zod';"],
  ])('%s: %s is allowed', (filePath, source) => {
    expect(restricted(filePath, `${source}\nexport const s = z.string();\n`)).toEqual([]);
  });
});

describe('dependency boundaries (eslint.config.mjs)', () => {
  it.each([
    ['lambdas/backup-pruner/job.ts', "export { loadConfig } from '../../lib/config';", /never imports lib\//],
    ['lambdas/ebs-audit/core/x.ts', "export * from '../../../cli/index';", /never imports lib\/, cli\//],
    ['lambdas/alert-notifier/handler.ts', "export { App } from 'aws-cdk-lib';", /aws-cdk-lib/],
    ['lambdas/alert-notifier/adapters/x.ts', "export * as iam from 'aws-cdk-lib/aws-iam';", /aws-cdk-lib/],
    ['lambdas/alert-notifier/core/x.ts', "export * from '../../backup-pruner/config';", /another job/],
    ['lambdas/shared/x.ts', "export * from '../ebs-audit/config';", /shared never imports a job/],
  ])('%s: %s is refused', (filePath, source, reason) => {
    const found = restricted(filePath, source);
    expect(found).toHaveLength(1);
    expect(found[0].message).toMatch(reason);
  });

  it.each([
    ['lambdas/backup-pruner/job.ts', "export * from '../shared/config';"],
    ['lambdas/backup-pruner/core/plan.ts', "export * from '../types';"],
    ['lib/jobs/x.ts', "export * from '../../lambdas/backup-pruner/config';"],
    ['cli/commands/x.ts', "export * from '../../lambdas/ebs-audit/config';"],
  ])('%s: %s is allowed', (filePath, source) => {
    expect(restricted(filePath, source)).toEqual([]);
  });
});
