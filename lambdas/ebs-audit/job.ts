/**
 * The ebs-audit run, shared by the Lambda handler and the CLI: audit (enter each account once, scan each
 * account×region under a bounded concurrency, record every scope that could not be audited instead of stopping) →
 * plan → write the report → act (when enabled; dry-run unless configured otherwise) → one ops event. Callers supply
 * clients, time and context; decisions live in core/, outside calls in adapters/.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { S3Client } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentity } from '@smithy/types';
import { AdaptiveLimiter, backoffDelayMs, createLimiter, sleep, type BackoffPolicy } from '../shared/concurrency';
import { awsErrorCode, awsErrorMessage } from '../shared/aws-errors';
import type { OpsEventInput } from '../shared/ops-event';
import { lastIdleDatapoints } from './adapters/cloudwatch';
import {
  createAuditSnapshot,
  deleteVolume,
  describeVolume,
  findAuditSnapshot,
  listEnabledRegions,
  listMarkedVolumes,
  listUnattachedVolumes,
  tagVolume,
  untagVolume,
  waitForSnapshot,
} from './adapters/ec2';
import { explainAuditFailure, isThrottling } from './adapters/errors';
import { listActiveAccounts } from './adapters/organizations';
import { builtInPriceResolver, priceResolverFor } from './adapters/price-resolver';
import { listReportKeys, openReportStream, putReportObject, type ReportStream } from './adapters/report-store';
import { assumeMemberRole, auditSessionName } from './adapters/sts';
import {
  EBS_AUDIT_MARK_TAG_KEY,
  EBS_AUDIT_SNAPSHOT_MARK_TAG_KEY,
  EBS_AUDIT_SNAPSHOT_SOURCE_TAG_KEY,
  type EbsAuditConfig,
} from './config';
import {
  actionTarget,
  applyDailyDeleteCap,
  ATTACHED_AFTER_MARKING,
  describeAction,
  formatMark,
  planActions,
  REATTACHED_NOW,
  recheckBeforeDelete,
  type FreshDetachEstimate,
} from './core/actions';
import type { PriceTable } from './core/pricing';
import {
  countRecordedDeletes,
  coverageGapsToCsv,
  csvRow,
  deleteIntentKey,
  jsonReportStream,
  reportDayPrefix,
  reportKeys,
  VOLUME_CSV_COLUMNS,
  volumeCsvRow,
} from './core/report';
import { SummaryAccumulator } from './core/summary';
import { classifyVolume, compareByCost, estimateDetachedSince } from './core/volumes';
import { actionsEventDetail, buildAuditOpsEvent } from './event';
import type { AuditClientFactory, RegionPriceResolver } from './ports';
import type {
  ActionPlan,
  ActionResult,
  AuditedVolume,
  AuditRunOutput,
  AuditStage,
  AuditSummary,
  ClassificationRules,
  CoverageGap,
  MarkedVolumeElsewhere,
  PlannedAction,
} from './types';

// ---------------------------------------------------------------------------------------------------------------
// The run

export interface JobContext {
  readonly runId: string;
  readonly now: Date;
  readonly clock: () => Date;
  readonly homeAccount: string;
  readonly homeRegion: string;
  readonly reportBucket: string;
  /** Milliseconds left before the function must wrap up (reporting reserve already subtracted). */
  readonly remainingMs: () => number;
  /**
   * Called once the audit is done, before anything is written: the caller logs the summary, the not-audited scopes
   * and the warnings here, so a failing report write cannot lose them.
   */
  readonly onAudited?: (audit: AuditRunOutput, summary: AuditSummary) => void;
  /** Called once the actions are done, before their report is written (same reason). */
  readonly onActed?: (plan: ActionPlan, results: readonly ActionResult[]) => void;
  /** Retries of throttled scopes (tests inject the sleep and the randomness). */
  readonly throttleBackoff?: ThrottleBackoff;
}

/** A report object could not be written: names the stage and the S3 key, and keeps the cause. */
export class ReportWriteError extends Error {
  override readonly name = 'ReportWriteError';
  constructor(
    readonly stage: 'write-report' | 'write-actions-report',
    readonly location: string,
    override readonly cause: unknown,
  ) {
    super(`${stage}: writing ${location} failed: ${awsErrorCode(cause)}: ${awsErrorMessage(cause)}`);
  }
}

export interface JobOutcome {
  readonly audit: AuditRunOutput;
  readonly summary: AuditSummary;
  readonly plan?: ActionPlan;
  readonly actionResults?: readonly ActionResult[];
  readonly keys: ReturnType<typeof reportKeys>;
  readonly event: OpsEventInput;
}

/**
 * The CSV and JSON reports of one run, streamed (multipart past 5 MiB). A write that fails is remembered, the scan
 * goes on (its findings are still logged), and finish() throws it naming the stage and the key.
 */
class ReportStreams {
  private readonly csv: ReportStream;
  private readonly json: ReportStream;
  private failure: ReportWriteError | undefined;
  private first = true;

  constructor(
    s3: S3Client,
    private readonly bucket: string,
    private readonly keys: ReturnType<typeof reportKeys>,
  ) {
    this.csv = openReportStream(s3, bucket, keys.csv, 'text/csv; charset=utf-8');
    this.json = openReportStream(s3, bucket, keys.json, 'application/json');
  }

  private async safely(key: string, work: () => Promise<void>): Promise<void> {
    if (this.failure) return;
    try {
      await work();
    } catch (err) {
      this.failure ??= new ReportWriteError('write-report', `s3://${this.bucket}/${key}`, err);
      this.csv.abort();
      this.json.abort();
    }
  }

  async start(runId: string, startedAt: string): Promise<void> {
    await this.safely(this.keys.csv, () => this.csv.write(csvRow(VOLUME_CSV_COLUMNS)));
    await this.safely(this.keys.json, () => this.json.write(jsonReportStream.head(runId, startedAt)));
  }

  async volumes(volumes: readonly AuditedVolume[]): Promise<void> {
    const first = this.first;
    this.first = false;
    await this.safely(this.keys.csv, () => this.csv.write(volumes.map(volumeCsvRow).join('')));
    await this.safely(this.keys.json, () => this.json.write(jsonReportStream.volumes(volumes, first)));
  }

  async finish(audit: AuditRunOutput, summary: AuditSummary, extra: Record<string, unknown>): Promise<void> {
    await this.safely(this.keys.csv, () => this.csv.end());
    await this.safely(this.keys.json, async () => {
      await this.json.write(jsonReportStream.tail(audit, summary, extra));
      await this.json.end();
    });
    if (this.failure) throw this.failure;
  }
}

export function classificationRules(config: EbsAuditConfig): ClassificationRules {
  return { ownerTags: config.ownerTags, excludeTag: config.excludeTag, markTagKey: EBS_AUDIT_MARK_TAG_KEY };
}

export async function runEbsAuditJob(
  config: EbsAuditConfig,
  deps: { readonly factory: AuditClientFactory; readonly s3: S3Client },
  ctx: JobContext,
): Promise<JobOutcome> {
  const rules = classificationRules(config);
  const credentials = new CredentialCache();
  const pricing = priceResolverFor(config.pricing.source, () => deps.factory.pricing(), ctx.now);
  // The CSV and JSON reports are streamed to S3 as each account×region is scanned; only per-account totals and the
  // top 10 are kept for the summary. Every volume is kept only when the action planner needs them (actions.mark).
  const keys = reportKeys(config.report.prefix, ctx.now);
  const totals = new SummaryAccumulator();
  const streams = new ReportStreams(deps.s3, ctx.reportBucket, keys);
  await streams.start(ctx.runId, ctx.now.toISOString());
  const audit = await runAudit(
    deps.factory,
    {
      runId: ctx.runId,
      now: ctx.now,
      clock: ctx.clock,
      homeAccount: ctx.homeAccount,
      homeRegion: ctx.homeRegion,
      accounts: config.accounts,
      regions: config.regions,
      memberRoleName: config.memberRoleName,
      externalId: config.externalId,
      rules,
      concurrency: config.concurrency,
      accountConcurrency: config.accountConcurrency,
      scanMarked: config.actions.mark,
      shouldStop: () => ctx.remainingMs() <= 0,
      remainingMs: ctx.remainingMs,
      throttleBackoff: ctx.throttleBackoff,
      pricing: pricing.resolver,
      keepVolumes: config.actions.mark,
      onScope: async (volumes) => {
        for (const v of volumes) totals.add(v);
        await streams.volumes(volumes);
      },
    },
    credentials,
  ).finally(pricing.close);
  const summary = totals.summary(audit);
  ctx.onAudited?.(audit, summary);
  let plan = config.actions.mark
    ? planActions({
        volumes: audit.volumes,
        markedElsewhere: audit.markedElsewhere,
        config: config.actions,
        now: ctx.now,
        metricsFailed: audit.warnings.filter((w) => w.stage === 'metrics'),
      })
    : undefined;

  // The delete cap holds per UTC day too: count what earlier invocations recorded today (unreadable → delete nothing).
  if (plan && !plan.dryRun && plan.delete.length > 0) {
    try {
      const today = await listReportKeys(deps.s3, ctx.reportBucket, reportDayPrefix(config.report.prefix, ctx.now));
      plan = applyDailyDeleteCap(plan, countRecordedDeletes(today), config.actions.maxDeletesPerRun);
    } catch (err) {
      plan = applyDailyDeleteCap(
        plan,
        undefined,
        config.actions.maxDeletesPerRun,
        `today's deletes could not be counted (${awsErrorCode(err)}: ${awsErrorMessage(err)})`,
      );
    }
  }

  // The report (with the plan) is complete before anything is changed.
  await streams.finish(audit, summary, plan ? { actionPlan: plan } : {});
  const write = async (
    stage: ReportWriteError['stage'],
    key: string,
    body: () => string,
    contentType: 'text/csv; charset=utf-8' | 'application/json',
  ) => {
    try {
      await putReportObject(deps.s3, ctx.reportBucket, key, body(), contentType);
    } catch (err) {
      throw new ReportWriteError(stage, `s3://${ctx.reportBucket}/${key}`, err);
    }
  };
  if (audit.notAudited.length > 0)
    await write(
      'write-report',
      keys.notAuditedCsv,
      () => coverageGapsToCsv(audit.notAudited),
      'text/csv; charset=utf-8',
    );

  let actionResults: ActionResult[] | undefined;
  if (plan && !plan.dryRun && plan.delete.length > 0) {
    // Recorded before deleting, so a later invocation today counts these deletes even if this one dies midway.
    try {
      await putReportObject(
        deps.s3,
        ctx.reportBucket,
        deleteIntentKey(config.report.prefix, ctx.now, plan.delete.length),
        JSON.stringify({ runId: ctx.runId, deletes: plan.delete }, null, 2),
        'application/json',
      );
    } catch (err) {
      plan = applyDailyDeleteCap(
        plan,
        undefined,
        config.actions.maxDeletesPerRun,
        `recording today's deletes failed (${awsErrorCode(err)}: ${awsErrorMessage(err)})`,
      );
    }
  }
  if (plan) {
    actionResults = await executePlan(plan, deps.factory, credentials, {
      markTagKey: rules.markTagKey,
      excludeTag: rules.excludeTag,
      graceDays: config.actions.graceDays,
      runId: ctx.runId,
      clock: ctx.clock,
      secondsLeft: () => Math.floor(ctx.remainingMs() / 1000),
    });
    ctx.onActed?.(plan, actionResults);
    const done = actionResults;
    await write(
      'write-actions-report',
      keys.actionsJson,
      () => JSON.stringify({ runId: ctx.runId, dryRun: plan?.dryRun, plan, results: done }, null, 2),
      'application/json',
    );
  }

  const actionsDetail = plan && actionResults ? actionsEventDetail(plan, actionResults, keys.actionsJson) : undefined;
  const event = buildAuditOpsEvent(
    summary,
    { bucket: ctx.reportBucket, csvKey: keys.csv, jsonKey: keys.json },
    actionsDetail,
  );
  return { audit, summary, plan, actionResults, keys, event };
}

// ---------------------------------------------------------------------------------------------------------------
// The audit

export interface AuditRunOptions {
  readonly runId: string;
  readonly now: Date;
  /** The account whose credentials the caller already holds (audited without AssumeRole). */
  readonly homeAccount: string;
  /** Region of the caller: STS (regional endpoint), DescribeRegions and Organizations are called here. */
  readonly homeRegion: string;
  readonly accounts: 'organization' | readonly string[];
  readonly regions: 'enabled' | readonly string[];
  readonly memberRoleName: string;
  readonly externalId?: string;
  readonly rules: ClassificationRules;
  /** Account entries and account×region scans in flight across the run (a scan makes one call at a time). */
  readonly concurrency: number;
  /** Scans in flight per account, adaptive: halved when the account is throttled, grown back on success. */
  readonly accountConcurrency?: number;
  /** Also list volumes carrying the mark tag in any state, for the unmark step. */
  readonly scanMarked: boolean;
  /** True once the run must stop starting new work (Lambda time budget). */
  readonly shouldStop?: () => boolean;
  /** Milliseconds left before the run must stop: a throttled scope never waits past it. Unset: no deadline. */
  readonly remainingMs?: () => number;
  /** How throttled scopes are retried (defaults: DEFAULT_THROTTLE_BACKOFF, real sleep, Math.random). */
  readonly throttleBackoff?: ThrottleBackoff;
  /**
   * Given each account×region's volumes (most expensive first) as soon as it is scanned: the Lambda streams them to
   * the report. With keepVolumes false the run keeps none of them (the result's `volumes` is empty).
   */
  readonly onScope?: (volumes: readonly AuditedVolume[]) => Promise<void>;
  readonly keepVolumes?: boolean;
  /** Told after each account is entered and each scope is done (the CLI shows progress on stderr). */
  readonly onProgress?: (progress: AuditProgress) => void;
  /** Prices per region (once per region per run); defaults to the built-in table (`prices`). */
  readonly pricing?: RegionPriceResolver;
  /** The built-in table used when no `pricing` resolver is given. */
  readonly prices?: PriceTable;
  /** Wall clock for finishedAt (defaults to the system clock). */
  readonly clock?: () => Date;
}

/**
 * Retries of calls AWS throttled past the SDK's own retries: the account's allowed scans are halved and the call is
 * made again after a jittered exponential delay (BackoffPolicy), the scan going on where it stopped, at most `retries`
 * times per scope (or account entry) and never past the run's deadline; then the scope is reported as not audited
 * with the throttling error code.
 */
export interface ThrottleBackoff extends Partial<BackoffPolicy> {
  readonly retries?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** 3 retries after 1-2 s, 2-4 s, 4-8 s (on top of the SDK's 5 attempts), each step at most 20 s. */
export const DEFAULT_THROTTLE_BACKOFF = { retries: 3, baseMs: 2_000, maxMs: 20_000 } as const;

/** Scans in flight per account when not configured. */
export const DEFAULT_ACCOUNT_CONCURRENCY = 8;

/** Credentials per account from this run, reused by the action executor; never logged or reported. */
export class CredentialCache {
  private readonly map = new Map<string, AwsCredentialIdentity | undefined>();
  set(account: string, credentials: AwsCredentialIdentity | undefined): void {
    this.map.set(account, credentials);
  }
  has(account: string): boolean {
    return this.map.has(account);
  }
  get(account: string): AwsCredentialIdentity | undefined {
    return this.map.get(account);
  }
}

function destroy(client: { destroy?: () => void }): void {
  client.destroy?.();
}

/** How far an audit run is: accounts entered (or given up), scopes done out of those known so far. */
export interface AuditProgress {
  readonly accountsTotal: number;
  readonly accountsDone: number;
  readonly scopesTotal: number;
  readonly scopesDone: number;
  readonly volumes: number;
}

export async function runAudit(
  factory: AuditClientFactory,
  options: AuditRunOptions,
  credentials: CredentialCache = new CredentialCache(),
): Promise<AuditRunOutput> {
  const startedAt = options.now.toISOString();
  const notAudited: CoverageGap[] = [];
  const warnings: CoverageGap[] = [];
  const volumes: AuditedVolume[] = [];
  let volumeCount = 0;
  const markedElsewhere: MarkedVolumeElsewhere[] = [];
  const auditedScopes: { account: string; region: string }[] = [];
  const pricing = options.pricing ?? builtInPriceResolver(options.prices);
  const gap = (account: string, region: string, stage: AuditStage, err: unknown): CoverageGap => ({
    account,
    region,
    stage,
    ...explainAuditFailure(stage, err),
  });
  // Scopes finish in any order: every list is sorted by account and region (a stable sort, so each scope's volumes
  // keep their most-expensive-first order), so the result does not depend on timing.
  const byScope = (a: { account: string; region: string }, b: { account: string; region: string }) =>
    a.account.localeCompare(b.account) || a.region.localeCompare(b.region);
  const done = (accounts: string[]): AuditRunOutput => ({
    runId: options.runId,
    startedAt,
    finishedAt: (options.clock ?? (() => new Date()))().toISOString(),
    auditedScopes: auditedScopes.sort(byScope),
    volumes: volumes.sort(byScope),
    notAudited: notAudited.sort(byScope),
    warnings: warnings.sort(byScope),
    markedElsewhere: markedElsewhere.sort((a, b) => byScope(a, b) || a.volumeId.localeCompare(b.volumeId)),
    accounts,
    pricing: pricing.resolved(),
  });

  // Accounts
  let accounts: string[];
  if (options.accounts === 'organization') {
    const org = factory.organizations();
    try {
      accounts = (await listActiveAccounts(org)).map((a) => a.id);
    } catch (err) {
      // Without the account list nothing can be audited; say so rather than audit a partial guess.
      notAudited.push(gap('*', '*', 'list-accounts', err));
      return done([]);
    } finally {
      destroy(org);
    }
  } else {
    accounts = [...new Set(options.accounts)];
  }

  let accountsDone = 0;
  let scopesTotal = 0;
  let scopesDone = 0;
  const progress = () =>
    options.onProgress?.({
      accountsTotal: accounts.length,
      accountsDone,
      scopesTotal,
      scopesDone,
      volumes: volumeCount,
    });
  // Scheduling: one slot of the run (`concurrency`) and one of the account (`accountConcurrency`, adaptive) per account
  // entry or account×region scan; a scan makes its calls one after another, so each account×region (one EC2 and one
  // CloudWatch throttling bucket) has at most one call in flight from this run.
  const limit = createLimiter(options.concurrency);
  /** The configured regions without repeats, or undefined for each account's enabled regions. */
  const regionList = options.regions === 'enabled' ? undefined : [...new Set(options.regions)];
  const accountConcurrency = Math.min(options.accountConcurrency ?? DEFAULT_ACCOUNT_CONCURRENCY, options.concurrency);
  const backoff = { ...DEFAULT_THROTTLE_BACKOFF, ...options.throttleBackoff };
  const wait = options.throttleBackoff?.sleep ?? sleep;
  const random = options.throttleBackoff?.random ?? Math.random;
  /**
   * Patience for one account entry or scan: a call AWS throttled past the SDK's retries halves the account's slots and
   * is made again after a jittered exponential delay, continuing where the scan was (the pages already read are kept),
   * at most `backoff.retries` times per scope and never past the deadline or the time budget; then the throttling
   * error is thrown, and the scope is reported with it. The scan keeps its slots while it waits: the account and the
   * run slow down with it. `onThrottled` is told of every throttled call.
   */
  const patience = (accountLimit: AdaptiveLimiter, onThrottled: () => void) => {
    let retry = 0;
    return async <T>(call: () => Promise<T>): Promise<T> => {
      for (;;) {
        try {
          return await call();
        } catch (err) {
          if (!isThrottling(err)) throw err;
          onThrottled();
          accountLimit.decrease();
          if (retry >= backoff.retries) throw err;
          const delay = backoffDelayMs(retry, backoff, random);
          if (options.remainingMs && options.remainingMs() <= delay) throw err;
          retry += 1;
          await wait(delay);
          if (options.shouldStop?.()) throw err;
        }
      }
    };
  };
  type Patience = ReturnType<typeof patience>;
  /** The same client, each of its calls made with `patient` (paginators included: they call `send`). */
  const patientClient = <C extends { send: unknown }>(client: C, patient: Patience): C => {
    const send = (client.send as (...args: unknown[]) => Promise<unknown>).bind(client);
    (client as { send: unknown }).send = (...args: unknown[]) => patient(() => send(...args));
    return client;
  };
  /** Runs `work` in a slot of the account and one of the run; a scope that was not throttled grows the account's. */
  const withinLimits = async <T>(accountLimit: AdaptiveLimiter, work: (patient: Patience) => Promise<T>) => {
    let throttled = false;
    const patient = patience(accountLimit, () => (throttled = true));
    const outcome = await accountLimit.run(() => limit(() => work(patient)));
    if (!throttled) accountLimit.increase();
    return outcome;
  };
  const sessionName = auditSessionName(options.runId);
  const sts = factory.sts(options.homeRegion);
  const stopped = (account: string, region: string) => {
    notAudited.push({
      account,
      region,
      stage: 'time-budget',
      errorCode: 'TimeBudgetExhausted',
      reason: 'time-budget: the run stopped before reaching it; it will be audited on the next run',
    });
  };

  const scanRegion = async (
    account: string,
    region: string,
    creds: AwsCredentialIdentity | undefined,
    patient: Patience,
  ): Promise<void> => {
    if (options.shouldStop?.()) return stopped(account, region);
    const ec2 = patientClient(factory.ec2(region, creds), patient);
    try {
      let found;
      let marked: Awaited<ReturnType<typeof listMarkedVolumes>> = [];
      try {
        found = await listUnattachedVolumes(ec2);
        if (options.scanMarked) marked = await listMarkedVolumes(ec2, options.rules.markTagKey);
      } catch (err) {
        notAudited.push(gap(account, region, 'describe-volumes', err));
        return;
      }
      let last = new Map<string, Date>();
      if (found.length > 0) {
        const cw = patientClient(factory.cloudwatch(region, creds), patient);
        try {
          last = await lastIdleDatapoints(
            cw,
            found.map((v) => v.volumeId),
            options.now,
          );
        } catch (err) {
          warnings.push(gap(account, region, 'metrics', err)); // volumes still reported; detach estimate unknown
        } finally {
          destroy(cw);
        }
      }
      // One price lookup per region per run, shared by every account (the resolver never throws).
      const prices = found.length > 0 ? await pricing.pricesFor(region) : undefined;
      const scoped = found
        .map((v) => classifyVolume(v, { account, region }, last.get(v.volumeId), options.rules, options.now, prices))
        .sort(compareByCost);
      volumeCount += scoped.length;
      if (options.keepVolumes !== false) for (const v of scoped) volumes.push(v);
      if (scoped.length > 0) await options.onScope?.(scoped);
      for (const m of marked) {
        if (m.state === 'available') continue; // already in the scan above
        markedElsewhere.push({
          account,
          region,
          volumeId: m.volumeId,
          state: m.state ?? 'unknown',
          markedDeleteAfter: m.tags[options.rules.markTagKey] ?? '',
        });
      }
      auditedScopes.push({ account, region });
    } finally {
      destroy(ec2);
    }
  };

  /** Enters the account (AssumeRole unless it is the home account) and finds its regions. */
  const enterAccount = async (
    account: string,
    patient: Patience,
  ): Promise<{ creds: AwsCredentialIdentity | undefined; regions: string[] } | undefined> => {
    if (options.shouldStop?.()) {
      stopped(account, '*');
      return undefined;
    }
    let creds: AwsCredentialIdentity | undefined;
    if (account !== options.homeAccount) {
      try {
        creds = await patient(() =>
          assumeMemberRole(sts, {
            account,
            roleName: options.memberRoleName,
            externalId: options.externalId,
            sessionName,
          }),
        );
      } catch (err) {
        notAudited.push(gap(account, '*', 'assume-role', err));
        return undefined;
      }
    }
    credentials.set(account, creds);
    if (regionList) return { creds, regions: regionList };
    const ec2 = patientClient(factory.ec2(options.homeRegion, creds), patient);
    try {
      return { creds, regions: await listEnabledRegions(ec2) };
    } catch (err) {
      notAudited.push(gap(account, '*', 'describe-regions', err));
      return undefined;
    } finally {
      destroy(ec2);
    }
  };

  const auditAccount = async (account: string) => {
    const accountLimit = new AdaptiveLimiter(accountConcurrency);
    const prepared = await withinLimits(accountLimit, (patient) => enterAccount(account, patient));
    accountsDone += 1;
    scopesTotal += prepared?.regions.length ?? 0;
    progress();
    if (!prepared) return;
    await Promise.all(
      prepared.regions.map(async (region) => {
        await withinLimits(accountLimit, (patient) => scanRegion(account, region, prepared.creds, patient));
        scopesDone += 1;
        progress();
      }),
    );
  };

  // Accounts are opened a few at a time (enough to keep every run slot busy, twice over): what a run holds per
  // scope (pending scans, their promises) follows the work in flight, not the size of the organization. An account
  // keeps at most min(accountConcurrency, its regions) slots busy; with "enabled" regions that is not known before
  // the account is entered, and accounts have more regions enabled than accountConcurrency's default.
  const perAccount = regionList ? Math.min(accountConcurrency, regionList.length) : accountConcurrency;
  const openAccounts = createLimiter(2 * Math.ceil(options.concurrency / Math.max(1, perAccount)));
  try {
    await Promise.all(accounts.map((account) => openAccounts(() => auditAccount(account))));
  } finally {
    destroy(sts);
  }
  return done(accounts);
}

// ---------------------------------------------------------------------------------------------------------------
// The actions

export interface ExecuteOptions {
  readonly markTagKey: string;
  readonly excludeTag: { readonly key: string; readonly value: string };
  /** The configured grace period: a mark is only valid with at least this many days, and re-marks get it afresh. */
  readonly graceDays: number;
  readonly runId: string;
  readonly clock: () => Date;
  /** Seconds left for waiting on snapshots (the Lambda time budget). */
  readonly secondsLeft: () => number;
  readonly snapshotDelays?: { readonly minDelay?: number; readonly maxDelay?: number };
}

export async function executePlan(
  plan: ActionPlan,
  factory: AuditClientFactory,
  credentials: CredentialCache,
  options: ExecuteOptions,
): Promise<ActionResult[]> {
  const all = [...plan.unmark, ...plan.mark, ...plan.delete];
  if (plan.dryRun) {
    return all.map((a) => ({ ...actionTarget(a), outcome: 'planned', detail: `DRY RUN: would ${describeAction(a)}` }));
  }
  const results: ActionResult[] = [];
  const clients = new Map<string, EC2Client>();
  const ec2For = (a: PlannedAction): EC2Client | undefined => {
    if (!credentials.has(a.account)) return undefined;
    const key = `${a.account}/${a.region}`;
    let c = clients.get(key);
    if (!c) clients.set(key, (c = factory.ec2(a.region, credentials.get(a.account))));
    return c;
  };
  const cloudwatchClients = new Map<string, CloudWatchClient>();
  const cloudwatchFor = (a: PlannedAction): CloudWatchClient => {
    const key = `${a.account}/${a.region}`;
    let c = cloudwatchClients.get(key);
    if (!c) cloudwatchClients.set(key, (c = factory.cloudwatch(a.region, credentials.get(a.account))));
    return c;
  };
  /** A fresh detach estimate right before the delete: a re-attach since the scan must not slip through. */
  const freshDetachEstimate = async (a: PlannedAction): Promise<FreshDetachEstimate> => {
    try {
      const now = options.clock();
      const last = (await lastIdleDatapoints(cloudwatchFor(a), [a.volumeId], now)).get(a.volumeId);
      const since = last ? estimateDetachedSince(last, now).detachedSince : 'unknown';
      return since === 'unknown' ? 'no-datapoint' : since;
    } catch {
      return 'metrics-failed';
    }
  };
  const fail = (a: PlannedAction, err: unknown, snapshotId?: string): ActionResult => ({
    ...actionTarget(a),
    outcome: 'failed',
    detail: `${awsErrorCode(err)}: ${awsErrorMessage(err)}`,
    ...(snapshotId ? { snapshotId } : {}),
  });

  try {
    for (const a of [...plan.unmark, ...plan.mark]) {
      const ec2 = ec2For(a);
      if (!ec2) {
        results.push({ ...actionTarget(a), outcome: 'skipped', detail: 'no credentials for the account in this run' });
        continue;
      }
      try {
        if (a.action === 'mark') {
          if (!a.markValue) throw new Error('planned mark carries no mark value');
          await tagVolume(ec2, a.volumeId, options.markTagKey, a.markValue);
        } else await untagVolume(ec2, a.volumeId, options.markTagKey);
        results.push({ ...actionTarget(a), outcome: 'done', detail: describeAction(a) });
      } catch (err) {
        results.push(fail(a, err));
      }
    }

    // Deletes, pass 1: re-check each volume and make sure a snapshot exists or is under way.
    const rules = { markTagKey: options.markTagKey, excludeTag: options.excludeTag, graceDays: options.graceDays };
    const skip = (ec2: EC2Client, a: PlannedAction, stop: string) => skipAfterRecheck(ec2, a, stop, options);
    const ready: { a: PlannedAction; ec2: EC2Client; snapshotId?: string }[] = [];
    for (const a of plan.delete) {
      const ec2 = ec2For(a);
      if (!ec2) {
        results.push({ ...actionTarget(a), outcome: 'skipped', detail: 'no credentials for the account in this run' });
        continue;
      }
      try {
        const current = await describeVolume(ec2, a.volumeId);
        const stop = recheckBeforeDelete(current, a, rules, options.clock());
        if (stop) {
          results.push(await skip(ec2, a, stop));
          continue;
        }
        if (!a.snapshot || !current) {
          ready.push({ a, ec2 });
          continue;
        }
        // Reuse only a snapshot of this volume, for this mark, started after the mark and the last detach.
        const markValue = a.markValue ?? '';
        const after = [a.markedAt, a.detachedSince]
          .filter((t): t is string => !!t && t !== 'unknown')
          .map((t) => new Date(t).getTime());
        if (!markValue || after.length === 0 || after.some(Number.isNaN)) {
          results.push({
            ...actionTarget(a),
            outcome: 'skipped',
            detail: 'planned delete carries no readable mark: not deleted',
          });
          continue;
        }
        const existing = await findAuditSnapshot(ec2, {
          volumeId: a.volumeId,
          sourceTagKey: EBS_AUDIT_SNAPSHOT_SOURCE_TAG_KEY,
          markTagKey: EBS_AUDIT_SNAPSHOT_MARK_TAG_KEY,
          markValue,
          startedAfter: new Date(Math.max(...after)),
        });
        const snapshotId =
          existing?.snapshotId ??
          (await createAuditSnapshot(
            ec2,
            current,
            EBS_AUDIT_SNAPSHOT_SOURCE_TAG_KEY,
            `platform-ops ebs-audit ${options.runId}: before deleting ${a.volumeId} (marked ${markValue})`,
            { key: EBS_AUDIT_SNAPSHOT_MARK_TAG_KEY, value: markValue },
          ));
        ready.push({ a, ec2, snapshotId });
      } catch (err) {
        results.push(fail(a, err));
      }
    }

    // Pass 2: wait for each snapshot, re-check right before deleting, delete.
    for (const { a, ec2, snapshotId } of ready) {
      try {
        if (snapshotId) {
          const completed = await waitForSnapshot(ec2, snapshotId, options.secondsLeft(), options.snapshotDelays);
          if (!completed) {
            results.push({
              ...actionTarget(a),
              outcome: 'skipped',
              snapshotId,
              detail: `snapshot ${snapshotId} still pending; the volume is deleted on a later run once it completes`,
            });
            continue;
          }
        }
        const current = await describeVolume(ec2, a.volumeId);
        const fresh = await freshDetachEstimate(a);
        const stop = recheckBeforeDelete(current, a, rules, options.clock(), fresh);
        if (stop) {
          results.push({
            ...(await skip(ec2, a, stop)),
            ...(snapshotId ? { snapshotId } : {}),
          });
          continue;
        }
        const outcome = await deleteVolume(ec2, a.volumeId);
        results.push({
          ...actionTarget(a),
          outcome: 'done',
          detail:
            outcome === 'deleted'
              ? `deleted${snapshotId ? ` after snapshot ${snapshotId}` : ' (no snapshot: configured off)'}`
              : 'already gone',
          ...(snapshotId ? { snapshotId } : {}),
        });
      } catch (err) {
        results.push(fail(a, err, snapshotId));
      }
    }
  } finally {
    for (const c of clients.values()) c.destroy();
    for (const c of cloudwatchClients.values()) c.destroy();
  }
  return results;
}

/**
 * A volume that failed its re-check is left alone; one that is attached now loses its mark, one that was attached
 * after it was marked gets a fresh mark (a full grace period from now).
 */
async function skipAfterRecheck(
  ec2: EC2Client,
  a: PlannedAction,
  reason: string,
  options: Pick<ExecuteOptions, 'markTagKey' | 'graceDays' | 'clock'>,
): Promise<ActionResult> {
  if (reason === REATTACHED_NOW) {
    try {
      await untagVolume(ec2, a.volumeId, options.markTagKey);
      return { ...actionTarget(a), outcome: 'skipped', detail: `${reason}: not deleted, mark removed` };
    } catch (err) {
      return {
        ...actionTarget(a),
        outcome: 'skipped',
        detail: `${reason}: not deleted; removing the mark failed (${awsErrorCode(err)})`,
      };
    }
  }
  if (reason.startsWith(ATTACHED_AFTER_MARKING)) {
    const fresh = formatMark(options.clock(), options.graceDays);
    try {
      await tagVolume(ec2, a.volumeId, options.markTagKey, fresh.value);
      return { ...actionTarget(a), outcome: 'skipped', detail: `${reason}: not deleted, re-marked ${fresh.value}` };
    } catch (err) {
      return {
        ...actionTarget(a),
        outcome: 'skipped',
        detail: `${reason}: not deleted; re-marking failed (${awsErrorCode(err)})`,
      };
    }
  }
  return { ...actionTarget(a), outcome: 'skipped', detail: `${reason}: not deleted` };
}
