/**
 * Loads every job function's built bundle from cdk.out (written by `npm run synth`, which the test command runs
 * first) in a fresh Node process, with the environment its template gives it, and checks that module init succeeds
 * and exports a `handler` function. This catches bundling problems (a dependency esbuild could not resolve, a
 * CommonJS require inside the ESM bundle) and init-time config errors before a deploy does.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type JobFunction, jobFunctions } from './cdk-out';

/** Imports the function's built bundle in a fresh Node with its template environment (plus `env`), then runs `then`. */
function importBundle(fn: JobFunction, then: string, env: Record<string, string> = {}) {
  const entry = join(fn.assetDir, 'index.mjs');
  expect(existsSync(entry)).toBe(true);
  return spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `const m = await import(${JSON.stringify(entry)});\n${then}`],
    {
      cwd: fn.assetDir,
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_LAMBDA_FUNCTION_NAME: 'smoke',
        ...fn.env,
        ...env,
        NODE_OPTIONS: '',
      },
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
}

describe('built bundles in cdk.out', () => {
  const functions = jobFunctions();

  it('finds the job functions of the example app', () => {
    expect(functions.length).toBeGreaterThanOrEqual(3);
  });

  it.each(functions.map((f) => [f.name, f] as const))(
    '%s loads in a fresh process and exports handler',
    (_name, fn) => {
      const run = importBundle(fn, 'console.log(typeof m.handler);');
      expect(run.stderr).not.toMatch(/Error/);
      expect(run.status).toBe(0);
      expect(run.stdout.trim().split('\n').pop()).toBe('function');
    },
  );

  // The bundles carry zod/mini, which has no messages of its own: lambdas/shared/zod.ts loads zod's English ones.
  // Outside a bundle classic zod (loaded by lib/) would set them anyway, so only a bundle can show they are there.
  it.each(functions.map((f) => [f.name, f] as const))(
    '%s refuses a bad JOB_CONFIG at init, naming the field in words',
    (_name, fn) => {
      const config = JSON.parse(fn.env.JOB_CONFIG) as Record<string, unknown>;
      const run = importBundle(fn, '', { JOB_CONFIG: JSON.stringify({ ...config, enabled: 'yes' }) });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain(
        'Invalid environment: JOB_CONFIG.enabled: Invalid input: expected boolean, received string',
      );
    },
  );
});
