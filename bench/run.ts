/**
 * `npm run bench`: runs every bench/*.bench.ts in its own fresh Node process (so memory figures are not polluted
 * by another benchmark), one after another, and fails if any benchmark misses its target.
 * Run one alone with `npx tsx bench/<name>.bench.ts`.
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

const results: { file: string; status: number | null; seconds: number }[] = [];
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, file)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --openssl-legacy-provider`.trim() },
  });
  results.push({ file, status: run.status, seconds: (Date.now() - started) / 1000 });
}

console.log('\n=== summary ===');
for (const r of results) console.log(`${r.status === 0 ? 'PASS' : 'FAIL'}  ${r.file}  (${r.seconds.toFixed(1)} s)`);
process.exit(results.every((r) => r.status === 0) ? 0 : 1);
