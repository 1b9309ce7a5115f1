/**
 * `node --import tsx lib/bundling/cli.ts <entry> <outdir>`: bundles one handler (OpsFunction's local bundling runs
 * this in a child process during synth). Prints one line with the size; exits 1 with esbuild's errors on failure.
 */
import { relative } from 'node:path';
import { bundleHandler } from './esbuild';

async function main(): Promise<void> {
  const [entry, outdir] = process.argv.slice(2);
  if (!entry || !outdir) {
    console.error('usage: lib/bundling/cli.ts <entry> <outdir>');
    process.exit(2);
  }
  const built = await bundleHandler(entry, outdir);
  console.error(`bundled ${relative(process.cwd(), entry)}: ${(built.bytes / 1024).toFixed(1)} KiB`);
}

main().catch((err: unknown) => {
  const errors = (err as { errors?: { text: string; location?: { file: string; line: number } }[] }).errors;
  if (errors?.length)
    for (const e of errors) console.error(`${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`);
  else console.error(err);
  process.exit(1);
});
