/**
 * ebs-audit benchmark: 100 accounts × 17 regions against a simulated AWS with 50 ms latency per call.
 *
 * The real ports run unchanged (SDK clients, paginators, batching, the bounded limiter); only the transport is
 * replaced: a middleware at the front of each client's stack answers every command after 50 ms from an in-memory
 * organization (test/doubles/ebs-audit-clients.ts, shared with the tests), so no request is serialized or sent. Every
 * call is counted by command and compared with the minimum the audit needs:
 *   ListAccounts ceil(accounts / 20) + AssumeRole (members) + DescribeRegions (accounts)
 *   + DescribeVolumes Σ max(1, ceil(volumes / 500)) + GetMetricData Σ ceil(volumes / 500)
 *   + GetProducts (live prices, the default source): one query per region that has volumes in any account, once per
 *     run (not per account or volume); the simulated answer holds that region's 14 EBS products (one page)
 * and there must be no per-volume call (no DescribeVolumes with VolumeIds).
 * Targets (issue 12): wall < 30 s up to 400 accounts, < 60 s at 1,000; peak in-flight calls within the caps (run:
 * `concurrency`, per account: `accountConcurrency`, per account×region: 1); peak RSS < 256 MB at 100 accounts and at
 * most 64 MB more at 1,000 (checked against the 100-account run of the same `npm run bench`, or against
 * EBS_BENCH_BASE_RSS_MB when given). It prints the load
 * average at the start and the end: the machine is shared, wall times depend on it.
 *
 * Run: npx tsx bench/ebs-audit.bench.ts [accounts]   (or npm run bench)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { containerPriceCache } from '../lambdas/ebs-audit/adapters/price-resolver';
import { ebsAuditConfig } from '../lambdas/ebs-audit/config';
import { runEbsAuditJob } from '../lambdas/ebs-audit/job';
import {
  DEFAULT_REGIONS,
  EC2_DESCRIBE_BUCKET,
  SIMULATED_HOME,
  simulatedAuditClients,
  type TokenBucketSpec,
} from '../test/doubles/ebs-audit-clients';

/**
 * Size parameter: `npx tsx bench/ebs-audit.bench.ts 400` (or EBS_BENCH_ACCOUNTS). Caps: EBS_BENCH_CONCURRENCY and
 * EBS_BENCH_ACCOUNT_CONCURRENCY (default: the config's defaults). EBS_BENCH_THROTTLE=1 gives every account×region
 * EC2's token bucket for describe calls (100 tokens, 20 per second) and starves a few of them (2 tokens, 1 per second),
 * so throttled scans wait and go on.
 */
const ACCOUNTS = Number(process.argv[2] ?? process.env.EBS_BENCH_ACCOUNTS ?? 100);
const CONCURRENCY = process.env.EBS_BENCH_CONCURRENCY ? Number(process.env.EBS_BENCH_CONCURRENCY) : undefined;
const ACCOUNT_CONCURRENCY = process.env.EBS_BENCH_ACCOUNT_CONCURRENCY
  ? Number(process.env.EBS_BENCH_ACCOUNT_CONCURRENCY)
  : undefined;
const THROTTLE = process.env.EBS_BENCH_THROTTLE === '1';
/** Under EBS_BENCH_THROTTLE: every 50th account's large region has a nearly empty bucket. */
const STARVED_BUCKET: TokenBucketSpec = { capacity: 2, refillPerSecond: 1 };
const REGIONS = DEFAULT_REGIONS;
const LATENCY_MS = 50;
const WALL_TARGET_S = ACCOUNTS <= 400 ? 30 : 60;
/** 256 MB at 100 accounts; larger estates may add at most 64 MB (issue 12: memory follows the work in flight). */
const RSS_TARGET_MB = ACCOUNTS <= 100 ? 256 : 256 + 64;
/** EBS_BENCH_BASE_RSS_MB: the 100-account run's maxRSS; a larger run then fails if it is more than 64 MB above it. */
const RESULTS = join(__dirname, 'results');
/** `npm run bench` gives every bench of one run the same BENCH_RUN_ID: a 1,000-account run reads its 100-account peer. */
function baseRssMb(): number | undefined {
  if (process.env.EBS_BENCH_BASE_RSS_MB) return Number(process.env.EBS_BENCH_BASE_RSS_MB);
  const file = join(RESULTS, 'ebs-audit-100.json');
  if (ACCOUNTS <= 100 || !process.env.BENCH_RUN_ID || !existsSync(file)) return undefined;
  const base = JSON.parse(readFileSync(file, 'utf8')) as { runId?: string; maxRssMb?: number };
  return base.runId === process.env.BENCH_RUN_ID ? base.maxRssMb : undefined;
}
const BASE_RSS_MB = baseRssMb();
const HOME = SIMULATED_HOME;

/**
 * Deterministic volume count per account×region. Default profile ("typical"): each account works in 3 of the 17
 * regions (0-80 unattached volumes each), the other regions hold a straggler now and then, and 5 large estates have
 * 1,234 unattached volumes in one region (3 DescribeVolumes pages, 3 GetMetricData calls). About 17,000 volumes.
 * EBS_BENCH_PROFILE=dense: 0-18 volumes in 70 % of all 1,700 regions plus the same large estates (about 33,000).
 */
const PROFILE = process.env.EBS_BENCH_PROFILE === 'dense' ? 'dense' : 'typical';
function volumeCount(a: number, r: number): number {
  if (PROFILE === 'dense') {
    if ((a * 17 + r) % 97 === 0) return 1_234;
    const x = (a * 7919 + r * 104729) % 101;
    return x < 30 ? 0 : x % 19;
  }
  const used = [a % 17, (a * 5 + 3) % 17, (a * 11 + 7) % 17];
  if (a % 20 === 0 && r === used[0]) return 1_234;
  const x = (a * 7919 + r * 104729) % 101;
  if (used.includes(r)) return (x * 13) % 81;
  return x < 10 ? 1 + (x % 3) : 0;
}

const { factory, stats } = simulatedAuditClients({
  accounts: ACCOUNTS,
  volumeCount,
  latencyMs: LATENCY_MS,
  ...(THROTTLE
    ? {
        ec2Bucket: (a: number, r: number) =>
          a % 50 === 0 && volumeCount(a, r) > 500 ? STARVED_BUCKET : EC2_DESCRIBE_BUCKET,
      }
    : {}),
});
const calls = stats.calls;

async function main() {
  const config = ebsAuditConfig.parse({
    enabled: true,
    accounts: 'organization',
    regions: 'enabled',
    ...(CONCURRENCY !== undefined ? { concurrency: CONCURRENCY } : {}),
    ...(ACCOUNT_CONCURRENCY !== undefined ? { accountConcurrency: ACCOUNT_CONCURRENCY } : {}),
  });
  // The report bucket: an S3 client whose transport takes the bytes and keeps only their count.
  let reportBytes = 0;
  const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  s3.middlewareStack.add(
    (_next, context) => async (args) => {
      const input = args.input as { Body?: Uint8Array | string };
      if (input.Body !== undefined) reportBytes += Buffer.byteLength(input.Body as Uint8Array);
      const output = context.commandName === 'CreateMultipartUploadCommand' ? { UploadId: 'u' } : { ETag: '"e"' };
      return { output: { $metadata: {}, ...output }, response: {} };
    },
    { step: 'initialize', name: 'nullReportBucket', priority: 'high' },
  );
  containerPriceCache.clear();
  const loadBefore = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  let rssPeak = process.memoryUsage().rss;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
  const rssBefore = process.memoryUsage().rss;
  const started = process.hrtime.bigint();

  // The Lambda's whole run: scan, summary, both reports streamed to the (null) bucket, the ops event built.
  const outcome = await runEbsAuditJob(
    config,
    { factory, s3 },
    {
      runId: 'bench',
      now: new Date('2026-11-23T06:00:00Z'),
      clock: () => new Date(),
      homeAccount: HOME,
      homeRegion: 'us-east-1',
      reportBucket: 'bench-reports',
      remainingMs: () => 600_000,
    },
  );
  const result = outcome.audit;
  const summary = outcome.summary;
  const phases = [`heap after the run ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB`];
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  const maxRssMb = process.resourceUsage().maxRSS / 1024; // kernel high-water mark, whole process

  // The minimum number of calls for this organization.
  let volumes = 0;
  let describePages = 0;
  let metricCalls = 0;
  const regionsWithVolumes = new Set<string>();
  for (let a = 0; a < ACCOUNTS; a++)
    for (let r = 0; r < REGIONS.length; r++) {
      const n = volumeCount(a, r);
      if (n > 0) regionsWithVolumes.add(REGIONS[r]);
      volumes += n;
      describePages += Math.max(1, Math.ceil(n / 500));
      metricCalls += Math.ceil(n / 500);
    }
  const expected: Record<string, number> = {
    ListAccountsCommand: Math.ceil(ACCOUNTS / 20),
    AssumeRoleCommand: ACCOUNTS - 1,
    DescribeRegionsCommand: ACCOUNTS,
    DescribeVolumesCommand: describePages,
    GetMetricDataCommand: metricCalls,
    GetProductsCommand: regionsWithVolumes.size,
  };
  const totalCalls = [...calls.values()].reduce((s, n) => s + n, 0);
  const expectedTotal = Object.values(expected).reduce((s, n) => s + n, 0);

  console.log(
    `ebs-audit benchmark (${PROFILE}${THROTTLE ? ', EC2 throttling simulated' : ''}): ${ACCOUNTS} accounts × ${REGIONS.length} regions, ${LATENCY_MS} ms per call, concurrency ${config.concurrency}, per account ${config.accountConcurrency}`,
  );
  console.log(
    `  load average             ${loadBefore} (start), ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (end)`,
  );
  console.log(
    `  volumes found            ${summary.volumeCount} (expected ${volumes}; held at the end: ${result.volumes.length}); audited scopes ${result.auditedScopes.length}; not audited ${result.notAudited.length}`,
  );
  console.log(
    `  total monthly cost       $${summary.totalMonthlyCostUsd.toFixed(2)} (${summary.unpricedCount} unpriced); reports streamed ${(reportBytes / 1e6).toFixed(1)} MB (CSV + JSON)`,
  );
  console.log(`  API calls (counted / minimum${THROTTLE ? ' + throttled tries' : ''}):`);
  for (const [cmd, n] of Object.entries(expected))
    console.log(`    ${cmd.padEnd(24)} ${String(calls.get(cmd) ?? 0).padStart(6)} / ${n}`);
  console.log(
    `    ${'total'.padEnd(24)} ${String(totalCalls).padStart(6)} / ${expectedTotal}; per-volume DescribeVolumes calls: ${stats.perVolumeCalls}`,
  );
  console.log(
    `  serial latency           ${((totalCalls * LATENCY_MS) / 1000).toFixed(1)} s (calls × ${LATENCY_MS} ms); lower bound at concurrency ${config.concurrency}: ${((totalCalls * LATENCY_MS) / 1000 / config.concurrency).toFixed(1)} s`,
  );
  console.log(`  wall                     ${wallSeconds.toFixed(2)} s  target < ${WALL_TARGET_S} s`);
  console.log(`  RSS by phase             ${phases.join('; ')}`);
  console.log(
    `  peak in-flight calls     run ${stats.peakInFlight} (limit ${config.concurrency}); per account ${stats.peakInFlightPerAccount} (limit ${config.accountConcurrency}); per account×region ${stats.peakInFlightPerScope} (limit 1)`,
  );
  console.log(
    `  throttled calls          ${stats.throttled}${THROTTLE ? ` in ${stats.throttledPerScope.size} account×region(s)` : ' (no throttling simulated; EBS_BENCH_THROTTLE=1)'}`,
  );
  console.log(
    `  RSS                      before ${(rssBefore / 2 ** 20).toFixed(0)} MB, sampled peak ${(rssPeak / 2 ** 20).toFixed(0)} MB, process maxRSS ${maxRssMb.toFixed(0)} MB  target < ${RSS_TARGET_MB} MB`,
  );

  const failures: string[] = [];
  if (wallSeconds >= WALL_TARGET_S) failures.push(`wall ${wallSeconds.toFixed(2)} s ≥ ${WALL_TARGET_S} s`);
  if (maxRssMb >= RSS_TARGET_MB) failures.push(`peak RSS ${maxRssMb.toFixed(0)} MB ≥ ${RSS_TARGET_MB} MB`);
  if (stats.peakInFlight > config.concurrency)
    failures.push(`peak in-flight ${stats.peakInFlight} > concurrency ${config.concurrency}`);
  if (stats.peakInFlightPerAccount > config.accountConcurrency)
    failures.push(`peak in-flight per account ${stats.peakInFlightPerAccount} > ${config.accountConcurrency}`);
  if (stats.peakInFlightPerScope > 1)
    failures.push(`peak in-flight per account×region ${stats.peakInFlightPerScope} > 1`);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(
    join(RESULTS, `ebs-audit-${ACCOUNTS}.json`),
    JSON.stringify({ runId: process.env.BENCH_RUN_ID, accounts: ACCOUNTS, wallSeconds, maxRssMb }),
  );
  if (BASE_RSS_MB !== undefined) {
    const above = maxRssMb - BASE_RSS_MB;
    console.log(
      `  RSS above 100 accounts   ${above.toFixed(0)} MB (100-account maxRSS ${BASE_RSS_MB.toFixed(0)} MB)  target ≤ 64 MB`,
    );
    if (above > 64) failures.push(`peak RSS ${maxRssMb.toFixed(0)} MB is ${above.toFixed(0)} MB above the base run`);
  }
  if (stats.perVolumeCalls > 0) failures.push(`${stats.perVolumeCalls} per-volume DescribeVolumes calls`);
  // Throttled tries (simulated EC2 describe calls only) are made again: they come on top of the minimum.
  const ec2Tries = (calls.get('DescribeVolumesCommand') ?? 0) + (calls.get('DescribeRegionsCommand') ?? 0);
  if (ec2Tries !== expected.DescribeVolumesCommand + expected.DescribeRegionsCommand + stats.throttled)
    failures.push(
      `EC2 calls: ${ec2Tries}, minimum + throttled tries ${expected.DescribeVolumesCommand + expected.DescribeRegionsCommand + stats.throttled}`,
    );
  for (const [cmd, n] of Object.entries(expected))
    if (!cmd.startsWith('Describe') && (calls.get(cmd) ?? 0) !== n)
      failures.push(`${cmd}: ${calls.get(cmd) ?? 0} calls, minimum ${n}`);
  for (const cmd of calls.keys()) if (!(cmd in expected)) failures.push(`unexpected ${cmd}`);
  if (summary.volumeCount !== volumes) failures.push(`found ${summary.volumeCount} volumes, expected ${volumes}`);
  if (result.notAudited.length > 0) failures.push(`${result.notAudited.length} scopes not audited`);
  const notLive = result.pricing.filter((p) => p.priceSource !== 'price-list-api');
  if (notLive.length > 0) failures.push(`${notLive.length} region(s) not priced live: ${notLive[0].note}`);
  if (summary.unpricedCount > 0) failures.push(`${summary.unpricedCount} volumes unpriced`);
  if (failures.length > 0) {
    console.error(`FAIL: ${failures.join('; ')}`);
    process.exit(1);
  }
  console.log('PASS');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
