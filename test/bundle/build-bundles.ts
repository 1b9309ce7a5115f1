/**
 * Builds a job's handler with the bundler the CDK app uses (lib/bundling/esbuild.ts), with a metafile, so tests and
 * benchmarks measure the bytes that are deployed without a full synth.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuiltBundle, type BundleOptions, bundleHandler } from '../../lib/bundling/esbuild';

export type { BuiltBundle } from '../../lib/bundling/esbuild';

export const ROOT = join(__dirname, '..', '..');

export function handlerEntry(jobName: string): string {
  return join(ROOT, 'lambdas', jobName, 'handler.ts');
}

export async function buildJobBundle(
  jobName: string,
  outdir = mkdtempSync(join(tmpdir(), `bundle-${jobName}-`)),
  options: BundleOptions = {},
): Promise<BuiltBundle> {
  return bundleHandler(handlerEntry(jobName), outdir, options);
}

/** The `n` inputs that put the most bytes into the bundle, for a message that says where the bytes go. */
export function topInputs(bundle: BuiltBundle, n = 15): { input: string; bytes: number }[] {
  const output = Object.values(bundle.metafile.outputs).find((o) => o.entryPoint !== undefined);
  const inputs = Object.entries(output?.inputs ?? {}).map(([input, v]) => ({ input, bytes: v.bytesInOutput }));
  return inputs.sort((a, b) => b.bytes - a.bytes).slice(0, n);
}
