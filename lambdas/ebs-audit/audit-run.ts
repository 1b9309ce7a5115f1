/**
 * One audit run: which accounts and regions, entering each account once, scanning each account×region under a bounded
 * concurrency, and recording every account or region that could not be audited instead of stopping. The handler and
 * the CLI both call this; it takes its clients from a factory and its time from the caller.
 */
import { createLimiter } from '../shared/concurrency';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { MarkedVolumeElsewhere } from './actions';
import {
  assumeMemberRole,
  auditSessionName,
  explainAuditFailure,
  lastIdleDatapoints,
  listActiveAccounts,
  listEnabledRegions,
  listMarkedVolumes,
  listUnattachedVolumes,
  type AuditClientFactory,
} from './aws-ports';
import { builtInPriceResolver, type RegionPriceResolver } from './price-list';
import type { PriceTable, RegionPrices } from './pricing';
import type { AuditResult, AuditStage, CoverageGap } from './report';
import { classifyVolume, type AuditedVolume, type ClassificationRules } from './volumes';

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
  readonly concurrency: number;
  /** Also list volumes carrying the mark tag in any state, for the unmark step. */
  readonly scanMarked: boolean;
  /** True once the run must stop starting new work (Lambda time budget). */
  readonly shouldStop?: () => boolean;
  /** Prices per region (once per region per run); defaults to the built-in table (`prices`). */
  readonly pricing?: RegionPriceResolver;
  /** The built-in table used when no `pricing` resolver is given. */
  readonly prices?: PriceTable;
  /** Wall clock for finishedAt (defaults to the system clock). */
  readonly clock?: () => Date;
}

export interface AuditRunOutput extends AuditResult {
  readonly markedElsewhere: readonly MarkedVolumeElsewhere[];
  /** Accounts whose volumes were looked at in at least one region. */
  readonly accounts: readonly string[];
  /** The prices used per region with volumes, and where they came from. */
  readonly pricing: readonly RegionPrices[];
}

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

export async function runAudit(
  factory: AuditClientFactory,
  options: AuditRunOptions,
  credentials: CredentialCache = new CredentialCache(),
): Promise<AuditRunOutput> {
  const startedAt = options.now.toISOString();
  const notAudited: CoverageGap[] = [];
  const warnings: CoverageGap[] = [];
  const volumes: AuditedVolume[] = [];
  const markedElsewhere: MarkedVolumeElsewhere[] = [];
  const auditedScopes: { account: string; region: string }[] = [];
  const pricing = options.pricing ?? builtInPriceResolver(options.prices);
  const gap = (account: string, region: string, stage: AuditStage, err: unknown): CoverageGap => ({
    account,
    region,
    stage,
    ...explainAuditFailure(stage, err),
  });
  const done = (accounts: string[]): AuditRunOutput => ({
    runId: options.runId,
    startedAt,
    finishedAt: (options.clock ?? (() => new Date()))().toISOString(),
    auditedScopes: auditedScopes.sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region)),
    volumes,
    notAudited: notAudited.sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region)),
    warnings,
    markedElsewhere,
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

  const limit = createLimiter(options.concurrency);
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

  const scanRegion = async (account: string, region: string, creds: AwsCredentialIdentity | undefined) => {
    if (options.shouldStop?.()) return stopped(account, region);
    const ec2 = factory.ec2(region, creds);
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
        const cw = factory.cloudwatch(region, creds);
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
      for (const v of found) {
        volumes.push(classifyVolume(v, { account, region }, last.get(v.volumeId), options.rules, options.now, prices));
      }
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

  const auditAccount = async (account: string) => {
    // Enter the account and find its regions: one slot of the limiter.
    const prepared = await limit(async () => {
      if (options.shouldStop?.()) {
        stopped(account, '*');
        return undefined;
      }
      let creds: AwsCredentialIdentity | undefined;
      if (account !== options.homeAccount) {
        try {
          creds = await assumeMemberRole(sts, {
            account,
            roleName: options.memberRoleName,
            externalId: options.externalId,
            sessionName,
          });
        } catch (err) {
          notAudited.push(gap(account, '*', 'assume-role', err));
          return undefined;
        }
      }
      credentials.set(account, creds);
      if (options.regions !== 'enabled') return { creds, regions: [...new Set(options.regions)] };
      const ec2 = factory.ec2(options.homeRegion, creds);
      try {
        return { creds, regions: await listEnabledRegions(ec2) };
      } catch (err) {
        notAudited.push(gap(account, '*', 'describe-regions', err));
        return undefined;
      } finally {
        destroy(ec2);
      }
    });
    if (!prepared) return;
    await Promise.all(prepared.regions.map((region) => limit(() => scanRegion(account, region, prepared.creds))));
  };

  try {
    await Promise.all(accounts.map(auditAccount));
  } finally {
    destroy(sts);
  }
  return done(accounts);
}
