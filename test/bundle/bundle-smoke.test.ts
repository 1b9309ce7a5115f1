/**
 * Loads every job function's built bundle from cdk.out (written by `npm run synth`, which the test command runs
 * first) in a fresh Node process, with the environment its template gives it, and checks that module init succeeds
 * and exports a `handler` function. This catches bundling problems (a dependency esbuild could not resolve, a
 * CommonJS require inside the ESM bundle) and init-time config errors before a deploy does.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const CDK_OUT = join(__dirname, '../../cdk.out');

type Template = {
  Resources: Record<string, { Type: string; Properties: Record<string, any>; Metadata?: Record<string, string> }>;
};

/** Environment values that are CloudFormation expressions (Ref, GetAtt, ImportValue) get a plausible stand-in. */
function resolveEnv(variables: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(variables).map(([k, v]) => [
      k,
      typeof v === 'string' ? v : `arn:aws:sns:us-east-1:123456789012:smoke-${k.toLowerCase()}`,
    ]),
  );
}

function jobFunctions() {
  if (!existsSync(CDK_OUT))
    throw new Error('cdk.out is missing: run `npm run synth` before this test (the README test command does)');
  return readdirSync(CDK_OUT)
    .filter((f) => f.endsWith('.template.json'))
    .flatMap((file) => {
      const template = JSON.parse(readFileSync(join(CDK_OUT, file), 'utf8')) as Template;
      return Object.entries(template.Resources)
        .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.PLATFORM_OPS_JOB)
        .map(([id, r]) => ({
          name: `${file.replace('.template.json', '')}/${id}`,
          assetDir: join(CDK_OUT, r.Metadata?.['aws:asset:path'] ?? '(no asset path)'),
          env: resolveEnv(r.Properties.Environment.Variables),
        }));
    });
}

describe('built bundles in cdk.out', () => {
  const functions = jobFunctions();

  it('finds the job functions of the example app', () => {
    expect(functions.length).toBeGreaterThanOrEqual(3);
  });

  it.each(functions.map((f) => [f.name, f] as const))(
    '%s loads in a fresh process and exports handler',
    (_name, fn) => {
      const entry = join(fn.assetDir, 'index.mjs');
      expect(existsSync(entry)).toBe(true);
      const script = `import(${JSON.stringify(entry)}).then((m) => { console.log(typeof m.handler); }, (e) => { console.error(e && e.stack || e); process.exit(3); })`;
      const output = execFileSync(process.execPath, ['-e', script], {
        cwd: fn.assetDir,
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'us-east-1',
          AWS_LAMBDA_FUNCTION_NAME: 'smoke',
          ...fn.env,
          NODE_OPTIONS: '',
        },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(output.trim().split('\n').pop()).toBe('function');
    },
  );
});
