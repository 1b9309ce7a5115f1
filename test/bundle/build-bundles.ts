/**
 * Builds a job's handler with esbuild exactly as OpsFunction asks NodejsFunction to (OPS_BUNDLING), with a
 * metafile, so tests and benchmarks measure the bytes that are deployed without a full synth.
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { OPS_BUNDLING } from '../../lib/constructs/ops-function';

export interface BuiltBundle {
  readonly outfile: string;
  readonly bytes: number;
  readonly metafile: Metafile;
}

export const ROOT = join(__dirname, '..', '..');

export function handlerEntry(jobName: string): string {
  return join(ROOT, 'lambdas', jobName, 'handler.ts');
}

/**
 * `sdkExternal`: leave every `@aws-sdk/*` and `@smithy/*` module out, as if the function used the copy of the SDK that
 * the Lambda runtime ships (the bench compares it with the house choice, the SDK bundled).
 */
export async function buildJobBundle(
  jobName: string,
  outdir = mkdtempSync(join(tmpdir(), `bundle-${jobName}-`)),
  options: { sdkExternal?: boolean } = {},
) {
  const outfile = join(outdir, 'index.mjs');
  const result = await build({
    entryPoints: [handlerEntry(jobName)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: OPS_BUNDLING.minify,
    sourcemap: OPS_BUNDLING.sourceMap,
    sourcesContent: OPS_BUNDLING.sourcesContent,
    target: OPS_BUNDLING.target,
    mainFields: [...OPS_BUNDLING.mainFields],
    external: [...OPS_BUNDLING.externalModules, ...(options.sdkExternal ? ['@aws-sdk/*', '@smithy/*'] : [])],
    banner: { js: OPS_BUNDLING.banner },
    metafile: true,
    logLevel: 'silent',
  });
  return { outfile, bytes: statSync(outfile).size, metafile: result.metafile } satisfies BuiltBundle;
}

/** The `n` inputs that put the most bytes into the bundle, for a message that says where the bytes go. */
export function topInputs(bundle: BuiltBundle, n = 15): { input: string; bytes: number }[] {
  const output = Object.values(bundle.metafile.outputs).find((o) => o.entryPoint !== undefined);
  const inputs = Object.entries(output?.inputs ?? {}).map(([input, v]) => ({ input, bytes: v.bytesInOutput }));
  return inputs.sort((a, b) => b.bytes - a.bytes).slice(0, n);
}
