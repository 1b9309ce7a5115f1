/**
 * `npm run bench`: runs every bench/*.bench.ts in its own fresh Node process (so memory figures are not polluted
 * by another benchmark), one after another, and fails if any benchmark misses its target. Benches with a size
 * parameter run at each size of SIZES, so one run shows how time and memory grow (objects for the pruner, accounts
 * for ebs-audit). Run one alone with `npx tsx bench/<name>.bench.ts`; `npm run bench -- ebs-audit` runs the matching.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const only = process.argv.slice(2);
const files = readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

if (files.length === 0) {
  console.error('no benchmarks found');
  process.exit(1);
}

/** The sizes a bench runs at in one `npm run bench` (arguments and environment of each run). */
const SIZES: Record<string, { label: string; args?: string[]; env?: Record<string, string> }[]> = {
  'backup-pruner.bench.ts': [{ label: 'objects ×1, ×4', env: { BENCH_SCALE: '1,4' } }],
  'ebs-audit.bench.ts': [
    { label: '100 accounts', args: ['100'] },
    { label: '400 accounts', args: ['400'] },
    { label: '1,000 accounts', args: ['1000'] },
  ],
};

const results: { file: string; status: number | null; seconds: number }[] = [];
const runId = new Date().toISOString();
for (const file of files) {
  for (const size of SIZES[file] ?? [{ label: '' }]) {
    const name = size.label ? `${file} (${size.label})` : file;
    console.log(`\n=== ${name} ===`);
    const started = Date.now();
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, file), ...(size.args ?? [])], {
      stdio: 'inherit',
      env: {
        ...process.env,
        ...size.env,
        BENCH_RUN_ID: runId,
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --openssl-legacy-provider`.trim(),
      },
    });
    results.push({ file: name, status: run.status, seconds: (Date.now() - started) / 1000 });
  }
}

console.log('\n=== summary ===');
for (const r of results) console.log(`${r.status === 0 ? 'PASS' : 'FAIL'}  ${r.file}  (${r.seconds.toFixed(1)} s)`);
process.exit(results.every((r) => r.status === 0) ? 0 : 1);
