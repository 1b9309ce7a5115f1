/**
 * backup-pruner benchmark (`npx tsx bench/backup-pruner.bench.ts`, or `npm run bench`).
 * 1. Requests: the real S3 port (S3ObjectStore: pagination, batching) against a counting in-memory S3 that serves a
 *    generated barman layout. Target: ⌈N/1000⌉ ListObjectsV2 + one GET per manifest + the DeleteObjects minimum for the
 *    safe order (data, then backup.info, then WALs: Σ ⌈phase/1000⌉ ≤ ⌈D/1000⌉ + 2), versus a naive per-key deleter.
 * 2. Memory: a 1,000,000-object simulated bucket planned in a fresh child process; target peak RSS < 300 MB.
 * 3. The job against the in-memory store double (test/doubles): plan + execute time per object, no S3 port.
 * Size parameter: BENCH_SCALE multiplies every object count (default 1); a list (`BENCH_SCALE=1,4`) runs each scale
 * in this one run and prints how time and memory grow. Memory children run BENCH_RUNS times (default 3) for a spread.
 * Exits non-zero if a target is missed (the request counts must equal the ordered minimum at every scale; peak RSS
 * stays < 300 MB at every scale, as the keys held are bounded by the cap, not by the bucket).
 */
import { spawnSync } from 'node:child_process';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type PrunerTarget, runPruner } from '../lambdas/backup-pruner/job';
import { MemoryObjectStore, type MemoryObjects } from '../test/doubles/memory-object-store';
import { S3ObjectStore } from '../lambdas/backup-pruner/adapters/s3-store';

const NOW = new Date('2025-06-30T12:00:00.000Z');
const DAY = 86_400_000;
const ROOT = 'cnpg/db/';
/** The one barman target every section plans: 30-day recovery window. */
const TARGET: PrunerTarget = {
  name: 'db',
  bucket: 'b',
  prefix: ROOT,
  layout: 'barman',
  retention: '30d',
  keepLast: 3,
  graceDays: 7,
  purgeVersions: false,
};
const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
const seg = (tli: number, log: number, s: number) => `${hex8(tli)}${hex8(log)}${hex8(s)}`;
const pyTime = (d: Date) => `${d.toISOString().replace('T', ' ').replace('Z', '')}000+00:00`;

/**
 * A generated barman layout that is never materialised: B daily backups (data.tar.gz + backup.info) and W WAL
 * segments on timeline 1, 256 per log, spread evenly over the backups. Keys are produced on demand in S3 order.
 */
class SimulatedBarmanBucket {
  readonly baseKeys: string[] = [];
  readonly infos = new Map<string, string>();
  readonly deleted = new Set<number>();
  private readonly logsPerBackup: number;
  constructor(
    readonly backups: number,
    readonly wals: number,
  ) {
    const logs = Math.ceil(wals / 256);
    this.logsPerBackup = Math.max(1, Math.floor(logs / backups));
    for (let k = 0; k < backups; k++) {
      const end = new Date(NOW.getTime() - (backups - k) * DAY + DAY / 2);
      const id = new Date(end.getTime() - 600_000).toISOString().replace(/[-:]/g, '').slice(0, 15);
      const log = 1 + k * this.logsPerBackup;
      this.baseKeys.push(`${ROOT}base/${id}/backup.info`, `${ROOT}base/${id}/data.tar.gz`);
      this.infos.set(
        `${ROOT}base/${id}/backup.info`,
        [
          `begin_time=${pyTime(new Date(end.getTime() - 600_000))}`,
          `begin_wal=${seg(1, log, 2)}`,
          `end_time=${pyTime(end)}`,
          `end_wal=${seg(1, log, 4)}`,
          'status=DONE',
          'systemid=7300000000000000001',
          'timeline=1',
        ].join('\n'),
      );
    }
    this.baseKeys.sort();
  }
  get size(): number {
    return this.baseKeys.length + this.wals;
  }
  keyAt(i: number): string {
    if (i < this.baseKeys.length) return this.baseKeys[i];
    const w = i - this.baseKeys.length;
    const name = seg(1, 1 + Math.floor(w / 256), w % 256);
    return `${ROOT}wals/${name.slice(0, 16)}/${name}.gz`;
  }
}

/** Enough of S3Client for S3ObjectStore: counts every request it answers. */
function countingClient(bucket: SimulatedBarmanBucket) {
  const counts = { ListObjectsV2: 0, GetObject: 0, DeleteObjects: 0, DeleteObject: 0, maxBatch: 0 };
  const client = {
    middlewareStack: { add: () => undefined },
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const input = command.input;
      switch (command.constructor.name) {
        case 'ListObjectsV2Command': {
          counts.ListObjectsV2++;
          let i = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
          const contents: { Key: string; Size: number; LastModified: Date }[] = [];
          while (i < bucket.size && contents.length < 1000) {
            if (!bucket.deleted.has(i)) contents.push({ Key: bucket.keyAt(i), Size: 16_777_216, LastModified: NOW });
            i++;
          }
          return {
            Contents: contents,
            IsTruncated: i < bucket.size,
            NextContinuationToken: i < bucket.size ? String(i) : undefined,
          };
        }
        case 'GetObjectCommand': {
          counts.GetObject++;
          const text = bucket.infos.get(input.Key as string) ?? '';
          return { ContentLength: text.length, Body: { transformToString: async () => text } };
        }
        case 'DeleteObjectsCommand': {
          counts.DeleteObjects++;
          const objects = (input.Delete as { Objects: unknown[] }).Objects;
          counts.maxBatch = Math.max(counts.maxBatch, objects.length);
          return {};
        }
        case 'DeleteObjectCommand':
          counts.DeleteObject++;
          return {};
        default:
          throw new Error(`unexpected ${command.constructor.name}`);
      }
    },
  };
  return { client: client as unknown as S3Client, counts };
}

async function requestBench(backups: number, wals: number) {
  const bucket = new SimulatedBarmanBucket(backups, wals);
  const { client, counts } = countingClient(bucket);
  const report = await runPruner({
    targets: [TARGET],
    storeFor: () => new S3ObjectStore(client, 'b'),
    now: NOW,
    dryRun: false,
    maxDeletesPerRun: 1_000_000,
  });
  const t = report.targets[0];
  const deletedBackups = t.backups.filter((b) => b.action === 'delete').length;
  const walDeletes = t.wal?.toDelete ?? 0;
  const n = bucket.size;
  const d = t.objectsToDelete;
  const minimumOrdered =
    Math.ceil(deletedBackups / 1000) + Math.ceil(deletedBackups / 1000) + Math.ceil(walDeletes / 1000);
  const expected = Math.ceil(n / 1000) + backups + minimumOrdered;
  const made = counts.ListObjectsV2 + counts.GetObject + counts.DeleteObjects;

  // The naive approach on the same bucket: the same listing and GETs, then one DeleteObject per key.
  const naive = countingClient(bucket);
  const keysToDelete = d;
  for (let i = 0; i < keysToDelete; i++)
    await naive.client.send(new DeleteObjectCommand({ Bucket: 'b', Key: `k${i}` }));
  const naiveTotal = Math.ceil(n / 1000) + backups + naive.counts.DeleteObject;
  return {
    n,
    d,
    counts,
    expected,
    made,
    naiveTotal,
    lowerBound: Math.ceil(n / 1000) + backups + Math.ceil(d / 1000),
    t,
  };
}

/** Child mode: plan an `objects`-object bucket (dry run) and print peak RSS. */
async function rssChild(cap: number, objects: number) {
  const bucket = new SimulatedBarmanBucket(100, objects - 200);
  const { client } = countingClient(bucket);
  const started = Date.now();
  const report = await runPruner({
    targets: [TARGET],
    storeFor: () => new S3ObjectStore(client, 'b'),
    now: NOW,
    dryRun: true,
    maxDeletesPerRun: cap,
  });
  const t = report.targets[0];
  process.stdout.write(
    JSON.stringify({
      objects: bucket.size,
      listed: t.objectsListed,
      planned: t.objectsToDelete,
      capExceeded: report.capExceeded !== undefined,
      seconds: (Date.now() - started) / 1000,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    }) + '\n',
  );
}

/** The scales of this run: BENCH_SCALE=1 (default), 4, or a list such as 1,4. */
function scales(): number[] {
  const list = (process.env.BENCH_SCALE ?? '1').split(',').map((v) => Number(v.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 1 || n > 16)) {
    console.error(`BENCH_SCALE must be whole numbers from 1 to 16, like 1 or 1,4 (got ${process.env.BENCH_SCALE})`);
    process.exit(2);
  }
  return list;
}
const RUNS = Math.max(1, Math.min(10, Number(process.env.BENCH_RUNS ?? '3') || 3));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (xs: number[], digits: number) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;

/** A materialised barman layout for the in-memory store double: `backups` daily backups and `wals` WAL segments. */
function memoryBucket(backups: number, wals: number): MemoryObjects {
  const sim = new SimulatedBarmanBucket(backups, wals);
  const objects: MemoryObjects = new Map();
  for (let i = 0; i < sim.size; i++) {
    const key = sim.keyAt(i);
    objects.set(key, { size: 16_777_216, body: sim.infos.get(key) ?? '', lastModified: NOW });
  }
  return objects;
}

/** Plan + execute against the in-memory store double, timed per round (the store is rebuilt outside the timing). */
async function doubleBench(wals: number) {
  const times: number[] = [];
  let deleted = 0;
  for (let round = 0; round < 5; round++) {
    const store = new MemoryObjectStore(memoryBucket(100, wals));
    const started = performance.now();
    const report = await runPruner({
      targets: [TARGET],
      storeFor: () => store,
      now: NOW,
      dryRun: false,
      maxDeletesPerRun: 10_000_000,
    });
    if (round > 0) times.push(performance.now() - started);
    deleted = report.deleted;
  }
  return { objects: wals + 200, deleted, times };
}

async function main() {
  if (process.argv[2] === '--rss-child') return rssChild(Number(process.argv[3]), Number(process.argv[4]));
  let ok = true;
  const growth: string[] = [];
  for (const scale of scales()) {
    console.log(`\n# scale ×${scale}`);
    console.log('## requests (real S3ObjectStore against a counting S3; execute mode)');
    for (const [backups, wals] of [
      [100, 20_000 * scale],
      [100, 250_000 * scale],
    ]) {
      const started = performance.now();
      const r = await requestBench(backups, wals);
      const seconds = (performance.now() - started) / 1000;
      const pass = r.made === r.expected && r.counts.maxBatch <= 1000;
      ok &&= pass;
      console.log(
        `N=${r.n} objects, D=${r.d} deletions: list=${r.counts.ListObjectsV2} (⌈N/1000⌉=${Math.ceil(r.n / 1000)}), get=${r.counts.GetObject} (manifests=${backups}), ` +
          `deleteObjects=${r.counts.DeleteObjects} (ordered minimum ${r.expected - Math.ceil(r.n / 1000) - backups}; ⌈D/1000⌉=${Math.ceil(r.d / 1000)}), max batch ${r.counts.maxBatch}; ` +
          `total ${r.made} (expected ${r.expected}, absolute lower bound ${r.lowerBound}); naive per-key ${r.naiveTotal} → ${(r.naiveTotal / r.made).toFixed(0)}x fewer requests; ${seconds.toFixed(1)} s ${pass ? 'PASS' : 'FAIL'}`,
      );
    }
    const objects = 1_000_000 * scale;
    console.log(
      `\n## memory: ${objects.toLocaleString('en')}-object bucket planned in a fresh process (dry run), ${RUNS} runs`,
    );
    for (const cap of [10_000, 1_000_000]) {
      const rss: number[] = [];
      const secs: number[] = [];
      let last: { listed: number; planned: number; capExceeded: boolean } | undefined;
      for (let run = 0; run < RUNS; run++) {
        const child = spawnSync(
          process.execPath,
          ['--import', 'tsx', __filename, '--rss-child', String(cap), String(objects)],
          { encoding: 'utf8', maxBuffer: 1 << 20 },
        );
        if (child.status !== 0) {
          console.log(`child failed: ${child.stderr}`);
          ok = false;
          continue;
        }
        const r = JSON.parse(child.stdout.trim().split('\n').pop() as string);
        rss.push(r.maxRssMb);
        secs.push(r.seconds);
        last = r;
        ok &&= r.listed === objects && r.maxRssMb < 300;
      }
      if (!last) continue;
      const pass = rss.every((m) => m < 300) && last.listed === objects;
      console.log(
        `maxDeletesPerRun=${cap}: listed ${last.listed}, planned ${last.planned} deletions${last.capExceeded ? ' (over the cap: refused, keys counted not held)' : ' (keys held)'}, ` +
          `time ${spread(secs, 2)} s, peak RSS ${spread(rss, 0)} MB (median (min-max) of ${rss.length}; target < 300) ${pass ? 'PASS' : 'FAIL'}`,
      );
      growth.push(
        `| ×${scale} | ${objects.toLocaleString('en')} | ${cap.toLocaleString('en')} | ${last.planned.toLocaleString('en')}${last.capExceeded ? ' (refused)' : ''} | ${spread(secs, 2)} s | ${spread(rss, 0)} MB |`,
      );
    }
    console.log('\n## the job against the in-memory store double (plan + execute, 4 timed rounds after a warm-up)');
    const d = await doubleBench(20_000 * scale - 200);
    console.log(
      `${d.objects} objects, ${d.deleted} deleted: ${spread(d.times, 0)} ms per run, ${((median(d.times) / d.objects) * 1000).toFixed(2)} µs per object`,
    );
    growth.push(
      `| ×${scale} | ${d.objects.toLocaleString('en')} (in-memory double, plan + execute) | - | ${d.deleted.toLocaleString('en')} deleted | ${spread(
        d.times.map((t) => t / 1000),
        3,
      )} s | - |`,
    );
  }
  console.log(
    '\n## growth (markdown)\n| scale | objects | cap | planned | time median (min-max) | peak RSS median (min-max) |\n|---|---:|---:|---:|---:|---:|',
  );
  for (const row of growth) console.log(row);
  process.exit(ok ? 0 : 1);
}

void main();
