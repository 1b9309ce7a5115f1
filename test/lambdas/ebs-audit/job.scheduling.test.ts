/**
 * runAudit's scheduling against the simulated estate (real SDK clients, transport replaced; no aws-sdk-client-mock in
 * this file, it would replace the simulation): caps on the work in flight (run, account, account×region), throttled
 * scopes slowed down and retried, persistent throttling reported, time budget, and results independent of timing.
 * Time is a fake clock advanced only by the injected sleep: no assertion depends on how fast the machine is.
 */
import { builtInPriceResolver } from '../../../lambdas/ebs-audit/adapters/price-resolver';
import { runAudit, type AuditRunOptions } from '../../../lambdas/ebs-audit/job';
import type { AuditRunOutput } from '../../../lambdas/ebs-audit/types';
import {
  SIMULATED_HOME,
  simulatedAccountId,
  simulatedAuditClients,
  type SimulatedEstate,
} from '../../doubles/ebs-audit-clients';

const now = new Date('2026-11-23T06:00:00Z');
const REGIONS = ['eu-west-1', 'us-east-1', 'us-west-2', 'ap-south-1', 'sa-east-1', 'eu-north-1'];

/** A fake clock for the token buckets and a sleep that only advances it, recording each wait. */
function fakeTime() {
  let ms = 0;
  const waited: number[] = [];
  return {
    clockMs: () => ms,
    waited,
    sleep: async (delay: number) => {
      waited.push(delay);
      ms += delay;
    },
  };
}

function estateOf(over: Partial<SimulatedEstate> & { accounts: number }): SimulatedEstate {
  return { regions: REGIONS, volumeCount: (a, r) => (a + r) % 3, ...over };
}

function options(accounts: number, over: Partial<AuditRunOptions> = {}): AuditRunOptions {
  return {
    runId: 'sched',
    now,
    clock: () => now,
    homeAccount: SIMULATED_HOME,
    homeRegion: 'eu-west-1',
    accounts: Array.from({ length: accounts }, (_, i) => simulatedAccountId(i)),
    regions: REGIONS,
    memberRoleName: 'audit',
    rules: { ownerTags: ['team'], excludeTag: { key: 'audit:keep', value: 'true' }, markTagKey: 'mark' },
    concurrency: 8,
    accountConcurrency: 2,
    scanMarked: false,
    pricing: builtInPriceResolver(),
    ...over,
  };
}

/** What a run reports, without its timestamps. */
const reported = (r: AuditRunOutput) => ({
  auditedScopes: r.auditedScopes,
  notAudited: r.notAudited,
  warnings: r.warnings,
  volumes: r.volumes.map((v) => `${v.account}/${v.region}/${v.volumeId}`),
});

describe('runAudit scheduling', () => {
  test('caps: the run, each account and each account×region never exceed theirs; independent accounts overlap', async () => {
    const { factory, stats } = simulatedAuditClients(estateOf({ accounts: 12, latencyMs: 2 }));
    const result = await runAudit(factory, options(12, { concurrency: 10, accountConcurrency: 3 }));

    expect(result.auditedScopes).toHaveLength(12 * REGIONS.length);
    expect(result.notAudited).toEqual([]);
    expect(stats.peakInFlight).toBeLessThanOrEqual(10);
    expect(stats.peakInFlightPerAccount).toBeLessThanOrEqual(3);
    expect(stats.peakInFlightPerScope).toBe(1);
    // More calls were in flight at once than one account may have: the run spreads over accounts.
    expect(stats.peakInFlight).toBeGreaterThan(3);
  });

  test.each([1, 3])(
    'with %i region(s) per account the run still fills its cap (enough accounts are opened)',
    async (regions) => {
      const few = REGIONS.slice(0, regions);
      const { factory, stats } = simulatedAuditClients({
        accounts: 40,
        regions: few,
        volumeCount: () => 1,
        latencyMs: 2,
      });
      const result = await runAudit(factory, options(40, { regions: few, concurrency: 8, accountConcurrency: 8 }));
      expect(result.auditedScopes).toHaveLength(40 * regions);
      expect(stats.peakInFlight).toBe(8);
    },
  );

  test('accountConcurrency above concurrency: the run cap still holds', async () => {
    const { factory, stats } = simulatedAuditClients(estateOf({ accounts: 3, latencyMs: 2 }));
    const result = await runAudit(factory, options(3, { concurrency: 2, accountConcurrency: 6 }));
    expect(result.auditedScopes).toHaveLength(3 * REGIONS.length);
    expect(stats.peakInFlight).toBeLessThanOrEqual(2);
  });

  test('a throttled scan waits and goes on where it stopped; every other scope is audited untouched', async () => {
    const time = fakeTime();
    // Account 1 in us-east-1: 1,200 volumes (3 DescribeVolumes pages) behind a bucket of 2 tokens refilled at 1/s.
    const { factory, stats } = simulatedAuditClients(
      estateOf({
        accounts: 4,
        volumeCount: (a, r) => (a === 1 && r === 1 ? 1_200 : (a + r) % 3),
        ec2Bucket: (a, r) => (a === 1 && r === 1 ? { capacity: 2, refillPerSecond: 1 } : undefined),
        clockMs: time.clockMs,
      }),
    );
    const result = await runAudit(
      factory,
      options(4, { keepVolumes: true, throttleBackoff: { sleep: time.sleep, random: () => 0.5 } }),
    );

    // Pages 1-2 use both tokens, page 3 is throttled; after 1.5 s (1.5 tokens) the scan goes on with page 3.
    expect(stats.throttledPerScope).toEqual(new Map([[`${simulatedAccountId(1)}/us-east-1`, 1]]));
    expect(time.waited).toEqual([1500]);
    expect(result.notAudited).toEqual([]);
    expect(result.auditedScopes).toHaveLength(4 * REGIONS.length);
    expect(result.volumes.filter((v) => v.account === simulatedAccountId(1) && v.region === 'us-east-1')).toHaveLength(
      1_200,
    );
    // One call per other scope; 3 pages + the throttled try of page 3 (pages 1-2 were not read again).
    expect(stats.calls.get('DescribeVolumesCommand')).toBe(4 * REGIONS.length - 1 + 3 + 1);
  });

  test('persistent throttling: the scope is not audited, with the throttling code; the rest is audited', async () => {
    const time = fakeTime();
    const starved = { capacity: 0, refillPerSecond: 0 };
    const { factory, stats } = simulatedAuditClients(
      estateOf({ accounts: 3, ec2Bucket: (a, r) => (a === 2 && r === 4 ? starved : undefined), clockMs: time.clockMs }),
    );
    const result = await runAudit(factory, options(3, { throttleBackoff: { sleep: time.sleep, random: () => 0 } }));

    expect(result.notAudited).toEqual([
      {
        account: simulatedAccountId(2),
        region: 'sa-east-1',
        stage: 'describe-volumes',
        errorCode: 'RequestLimitExceeded',
        reason: 'describe-volumes: throttled past retries; RequestLimitExceeded: Request limit exceeded.',
      },
    ]);
    expect(result.auditedScopes).toHaveLength(3 * REGIONS.length - 1);
    expect(time.waited).toEqual([1000, 2000, 4000]); // 3 retries, exponential (random 0: the fixed half of each step)
    expect(stats.throttled).toBe(4);
  });

  test('an account whose DescribeRegions stays throttled is reported at the account level', async () => {
    const time = fakeTime();
    const starved = { capacity: 0, refillPerSecond: 0 };
    const { factory } = simulatedAuditClients(
      estateOf({ accounts: 2, ec2Bucket: (a, r) => (a === 1 && r === 0 ? starved : undefined), clockMs: time.clockMs }),
    );
    const result = await runAudit(
      factory,
      options(2, { regions: 'enabled', throttleBackoff: { sleep: time.sleep, random: () => 0, retries: 1 } }),
    );
    expect(result.notAudited).toEqual([
      expect.objectContaining({
        account: simulatedAccountId(1),
        region: '*',
        stage: 'describe-regions',
        errorCode: 'RequestLimitExceeded',
      }),
    ]);
    expect(time.waited).toEqual([1000]);
    expect(result.auditedScopes.every((s) => s.account === SIMULATED_HOME)).toBe(true);
    expect(result.auditedScopes).toHaveLength(REGIONS.length);
  });

  test('no wait past the deadline: a throttled scope with less time left than its delay is reported at once', async () => {
    const time = fakeTime();
    const starved = { capacity: 0, refillPerSecond: 0 };
    const { factory } = simulatedAuditClients(
      estateOf({ accounts: 1, ec2Bucket: (_a, r) => (r === 0 ? starved : undefined), clockMs: time.clockMs }),
    );
    const result = await runAudit(
      factory,
      options(1, { remainingMs: () => 1_200, throttleBackoff: { sleep: time.sleep, random: () => 0.5 } }),
    );
    expect(time.waited).toEqual([]); // the first delay (1.5 s) does not fit in 1.2 s
    expect(result.notAudited).toEqual([
      expect.objectContaining({ region: 'eu-west-1', stage: 'describe-volumes', errorCode: 'RequestLimitExceeded' }),
    ]);
    expect(result.auditedScopes).toHaveLength(REGIONS.length - 1);
  });

  test('time budget ends during a throttled wait: that scope keeps its throttling code, unstarted ones time-budget', async () => {
    const time = fakeTime();
    let stop = false;
    const starved = { capacity: 0, refillPerSecond: 0 };
    const { factory, stats } = simulatedAuditClients(
      estateOf({ accounts: 1, ec2Bucket: (_a, r) => (r === 0 ? starved : undefined), clockMs: time.clockMs }),
    );
    const sleep = async (ms: number) => {
      await time.sleep(ms);
      stop = true; // the budget runs out while the throttled scope waits
    };
    const result = await runAudit(
      factory,
      options(1, { concurrency: 1, shouldStop: () => stop, throttleBackoff: { sleep, random: () => 0 } }),
    );

    expect(time.waited).toEqual([1000]); // not tried again once the budget is gone
    const gaps = new Map(result.notAudited.map((g) => [g.region, g.errorCode]));
    expect(gaps.get('eu-west-1')).toBe('RequestLimitExceeded');
    // Every scope is accounted for exactly once, and nothing was called for the time-budget ones.
    expect(result.auditedScopes.length + result.notAudited.length).toBe(REGIONS.length);
    const budget = result.notAudited.filter((g) => g.errorCode === 'TimeBudgetExhausted');
    expect(budget.length).toBeGreaterThan(0);
    expect(stats.calls.get('DescribeVolumesCommand')).toBe(1 + result.auditedScopes.length); // the throttled try, once
  });

  test('results do not depend on scheduling: serial and wide runs report the same, in the same order', async () => {
    const estate = estateOf({
      accounts: 6,
      latencyMs: 1,
      volumeCount: (a, r) => ((a * 7 + r * 5) % 4) + (a === 3 ? 600 : 0),
    });
    const serial = await runAudit(
      simulatedAuditClients(estate).factory,
      options(6, { keepVolumes: true, concurrency: 1, accountConcurrency: 1 }),
    );
    const wide = await runAudit(
      simulatedAuditClients(estate).factory,
      options(6, { keepVolumes: true, concurrency: 16, accountConcurrency: 6 }),
    );
    expect(reported(wide)).toEqual(reported(serial));
    expect(wide.volumes.length).toBeGreaterThan(6 * 600);
    // Sorted by account, then region; each scope's volumes most expensive first (stable).
    const scopes = wide.volumes.map((v) => `${v.account}/${v.region}`);
    expect(scopes).toEqual([...scopes].sort());
  });
});
