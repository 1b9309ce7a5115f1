/** The job functions of the synthesized app in cdk.out: where each built bundle is and the environment it gets. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const CDK_OUT = join(__dirname, '../../cdk.out');

type Template = {
  Resources: Record<string, { Type: string; Properties: Record<string, any>; Metadata?: Record<string, string> }>;
};

export interface JobFunction {
  /** `<stack>/<logical id>`. */
  readonly name: string;
  /** The job's name (PLATFORM_OPS_JOB). */
  readonly job: string;
  readonly assetDir: string;
  readonly env: Record<string, string>;
}

/** Environment values that are CloudFormation expressions (Ref, GetAtt, ImportValue) get a plausible stand-in. */
function resolveEnv(variables: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(variables).map(([k, v]) => [
      k,
      typeof v === 'string' ? v : `arn:aws:sns:us-east-1:123456789012:smoke-${k.toLowerCase()}`,
    ]),
  );
}

export function jobFunctions(): JobFunction[] {
  if (!existsSync(CDK_OUT))
    throw new Error('cdk.out is missing: run `npm run synth` first (the README test command does)');
  return readdirSync(CDK_OUT)
    .filter((f) => f.endsWith('.template.json'))
    .flatMap((file) => {
      const template = JSON.parse(readFileSync(join(CDK_OUT, file), 'utf8')) as Template;
      return Object.entries(template.Resources)
        .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.PLATFORM_OPS_JOB)
        .map(([id, r]) => ({
          name: `${file.replace('.template.json', '')}/${id}`,
          job: r.Properties.Environment.Variables.PLATFORM_OPS_JOB as string,
          assetDir: join(CDK_OUT, r.Metadata?.['aws:asset:path'] ?? '(no asset path)'),
          env: resolveEnv(r.Properties.Environment.Variables),
        }));
    });
}
