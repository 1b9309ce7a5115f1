/**
 * Cold init of every registered job's Lambda bundle, built exactly as OpsFunction deploys it, measured the way the
 * performance issue asks: a fresh Node importing the bundle with its template environment, paired against
 * `node -e 0` in the same round (net = the median of the per-pair differences), with and without source maps
 * (`--enable-source-maps` and the .map file beside the bundle, as deployed, vs neither).
 *
 *   npx tsx bench/cold-init.bench.ts            # 25 pairs per variant
 *   BENCH_PAIRS=40 npx tsx bench/cold-init.bench.ts
 *   BENCH_JOBS=alert-notifier,ebs-audit npx tsx bench/cold-init.bench.ts   # only these jobs
 *
 * The template environment comes from cdk.out (run `npm run synth` first; the bench runs it when cdk.out is missing).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { JOBS } from '../lib/jobs';
import { buildJobBundle, ROOT } from '../test/bundle/build-bundles';
import { CDK_OUT, jobFunctions } from '../test/bundle/cdk-out';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 25);
const ONLY = process.env.BENCH_JOBS?.split(',').filter(Boolean);
/** Net cold-init goals (ms) of the performance issue; jobs without one are held to 250 ms. */
const GOALS_MS: Record<string, number> = { 'alert-notifier': 80, 'backup-pruner': 120, 'ebs-audit': 200 };
const DEFAULT_GOAL_MS = 250;

function templateEnvironments(): Map<string, Record<string, string>> {
  if (!existsSync(CDK_OUT)) spawnSync('npm', ['run', 'synth'], { cwd: ROOT, stdio: 'inherit' });
  return new Map(jobFunctions().map((f) => [f.job, f.env]));
}

function wallMs(args: string[], env: Record<string, string>, cwd: string): number {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { env, cwd, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`${args.join(' ')} failed: ${run.stderr.slice(0, 500)}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];

/** Net init (ms) of one bundle over PAIRS pairs, each pair = `node -e 0` then the import, in alternating order. */
function pairedInit(entry: string, env: Record<string, string>, sourceMaps: boolean): number[] {
  const script = `import(${JSON.stringify(entry)}).then((m)=>{if(typeof m.handler!=='function')process.exit(3)},(e)=>{console.error(e);process.exit(2)})`;
  const base = { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', AWS_LAMBDA_FUNCTION_NAME: 'bench', ...env };
  const withFlags = { ...base, NODE_OPTIONS: sourceMaps ? '--enable-source-maps' : '' };
  const cwd = dirname(entry);
  wallMs(['-e', script], withFlags, cwd); // warm the OS file cache
  const nets: number[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const a = i % 2 === 0;
    const empty1 = a ? wallMs(['-e', '0'], withFlags, cwd) : 0;
    const load = wallMs(['-e', script], withFlags, cwd);
    const empty2 = a ? 0 : wallMs(['-e', '0'], withFlags, cwd);
    nets.push(load - (empty1 || empty2));
  }
  return nets;
}

async function main() {
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; ${PAIRS} pairs per variant`,
  );
  const envs = templateEnvironments();
  let ok = true;
  console.log(
    'job             bundle KiB  map KiB  net init, maps on (median [p25-p75])  maps off   cost of maps  goal' +
      '          SDK external          no schema plugin (maps on)',
  );
  for (const job of JOBS.filter((j) => !ONLY || ONLY.includes(j.name))) {
    const env = envs.get(job.name);
    if (!env) {
      console.log(`${job.name}: not in cdk.out (disabled in config/example.json?), skipped`);
      continue;
    }
    const bundle = await buildJobBundle(job.name);
    const mapBytes = readFileSync(`${bundle.outfile}.map`).length;
    const on = pairedInit(bundle.outfile, env, true);
    rmSync(`${bundle.outfile}.map`);
    const off = pairedInit(bundle.outfile, env, false);
    // The SDK left to the runtime: the bundle without @aws-sdk/* and @smithy/*, resolved from node_modules beside it.
    const externalDir = join(ROOT, 'node_modules', '.cache', `cold-init-${job.name}`);
    mkdirSync(externalDir, { recursive: true });
    const external = await buildJobBundle(job.name, externalDir, { sdkExternal: true });
    rmSync(`${external.outfile}.map`, { force: true });
    const externalOff = pairedInit(external.outfile, env, false);
    // Without the SDK schema plugin (lib/bundling/esbuild.ts), maps on as deployed: what the plugin saves.
    const plainDir = join(ROOT, 'node_modules', '.cache', `cold-init-plain-${job.name}`);
    const plain = await buildJobBundle(job.name, plainDir, { withoutSchemaPlugin: true });
    const plainOn = pairedInit(plain.outfile, env, true);
    const goal = GOALS_MS[job.name] ?? DEFAULT_GOAL_MS;
    const met = median(on) <= goal;
    ok &&= met;
    console.log(
      `${job.name.padEnd(16)}${(bundle.bytes / 1024).toFixed(0).padStart(10)}  ${(mapBytes / 1024).toFixed(0).padStart(7)}  ` +
        `${median(on).toFixed(1).padStart(8)} ms [${quantile(on, 0.25).toFixed(1)}-${quantile(on, 0.75).toFixed(1)}]`.padEnd(
          38,
        ) +
        `${median(off).toFixed(1).padStart(6)} ms  ${(((median(on) - median(off)) / median(off)) * 100).toFixed(0).padStart(6)} %      ` +
        `≤ ${goal} ms ${met ? 'met' : 'MISSED'}`.padEnd(14) +
        `${(external.bytes / 1024).toFixed(0).padStart(5)} KiB, ${median(externalOff).toFixed(1)} ms`.padEnd(22) +
        `${(plain.bytes / 1024).toFixed(0).padStart(5)} KiB, ${median(plainOn).toFixed(1)} ms`,
    );
  }
  process.exit(ok ? 0 : 1);
}

void main();
