/**
 * ebs-audit's result, plan and decision types: what a scan returns, what the audit reports, what the planner decides
 * and what the executor did. Plain data, shared by core, job, event, handler and CLI.
 */
import type { PriceSource, RegionPrices } from './core/pricing';

// ---------------------------------------------------------------------------------------------------------------
// Volumes

/** A volume as the scan port returns it (a plain copy of the DescribeVolumes fields the audit uses). */
export interface ScannedVolume {
  readonly volumeId: string;
  readonly state?: string;
  readonly volumeType?: string;
  readonly sizeGiB?: number;
  readonly iops?: number;
  readonly throughputMiBps?: number;
  readonly createTime?: Date;
  readonly snapshotId?: string;
  readonly encrypted?: boolean;
  readonly availabilityZone?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** One row of the report. */
export interface AuditedVolume {
  readonly account: string;
  readonly region: string;
  readonly volumeId: string;
  readonly name: string | null;
  readonly volumeType: string | null;
  readonly sizeGiB: number | null;
  readonly iops: number | null;
  readonly throughputMiBps: number | null;
  readonly createdAt: string | null;
  readonly snapshotId: string | null;
  readonly encrypted: boolean | null;
  readonly availabilityZone: string | null;
  readonly owner: string | null;
  /** Which configured tag the owner came from. */
  readonly ownerTag: string | null;
  /** Estimated monthly cost in USD, or null when it cannot be priced (see costNote). */
  readonly monthlyCostUsd: number | null;
  readonly costNote: string;
  /** Which source priced the volume ("none" when it is unpriced). */
  readonly priceSource: PriceSource;
  /** ISO time the volume was last seen attached (end of the hour of its last VolumeIdleTime datapoint), or "unknown". */
  readonly detachedSince: string;
  readonly detachedDays: number | null;
  readonly detachedNote: string;
  readonly kubernetes: boolean;
  readonly cloudformationStack: string | null;
  readonly excluded: boolean;
  /** Value of the deletion mark tag, when the volume carries one. */
  readonly markedDeleteAfter: string | null;
  readonly tags: Readonly<Record<string, string>>;
}

export interface ClassificationRules {
  readonly ownerTags: readonly string[];
  readonly excludeTag: { readonly key: string; readonly value: string };
  readonly markTagKey: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Audit result and summary

/** Where in the run an account or region could not be audited. */
export type AuditStage =
  'list-accounts' | 'assume-role' | 'describe-regions' | 'describe-volumes' | 'metrics' | 'time-budget';

export interface CoverageGap {
  readonly account: string;
  /** A region code, or "*" when the whole account could not be audited. */
  readonly region: string;
  readonly stage: AuditStage;
  readonly errorCode: string;
  readonly reason: string;
}

export interface AuditResult {
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Account×region pairs whose volumes were listed completely. */
  readonly auditedScopes: readonly { readonly account: string; readonly region: string }[];
  readonly volumes: readonly AuditedVolume[];
  /** Accounts/regions not audited, with the reason. */
  readonly notAudited: readonly CoverageGap[];
  /** Audited, but something is missing (e.g. detach estimates because CloudWatch failed). */
  readonly warnings: readonly CoverageGap[];
  /** The prices used per region with volumes, and where they came from (absent: the built-in table). */
  readonly pricing?: readonly RegionPrices[];
}

/** What one audit run returns (the report's data plus what the action planner needs). */
export interface AuditRunOutput extends AuditResult {
  readonly markedElsewhere: readonly MarkedVolumeElsewhere[];
  /** Accounts whose volumes were looked at in at least one region. */
  readonly accounts: readonly string[];
  /** The prices used per region with volumes, and where they came from. */
  readonly pricing: readonly RegionPrices[];
}

/** Where one region's prices came from, as the summary and the ops event show it. */
export interface RegionPriceSourceSummary {
  readonly region: string;
  readonly priceSource: PriceSource;
  readonly asOf: string | null;
  /** Why (e.g. the Price List API failed and the built-in table stood in). */
  readonly note: string | null;
  /** Volume types left unpriced by the source, with the reason. */
  readonly unpricedTypes: Readonly<Record<string, string>>;
}

export interface AccountTotal {
  readonly account: string;
  readonly volumes: number;
  readonly sizeGiB: number;
  readonly monthlyCostUsd: number;
  readonly unpriced: number;
}

export interface TopVolume {
  readonly account: string;
  readonly region: string;
  readonly volumeId: string;
  readonly name: string | null;
  readonly owner: string | null;
  readonly volumeType: string | null;
  readonly sizeGiB: number | null;
  readonly monthlyCostUsd: number;
  readonly detachedSince: string;
}

export interface AuditSummary {
  readonly volumeCount: number;
  readonly excludedCount: number;
  readonly kubernetesCount: number;
  readonly cloudformationCount: number;
  readonly unpricedCount: number;
  readonly totalSizeGiB: number;
  /** Sum of the priced volumes (unpriced ones are counted in unpricedCount, never guessed). */
  readonly totalMonthlyCostUsd: number;
  /** Same, excluding volumes carrying the exclude tag. */
  readonly reviewableMonthlyCostUsd: number;
  readonly top10: readonly TopVolume[];
  readonly perAccount: readonly AccountTotal[];
  readonly auditedScopes: number;
  readonly notAudited: readonly CoverageGap[];
  readonly warnings: number;
  readonly prices: {
    readonly asOf: string;
    readonly note: string;
    /** Regions priced per source (regions with volumes only). */
    readonly sourceCounts: Readonly<Record<PriceSource, number>>;
    readonly regions: readonly RegionPriceSourceSummary[];
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Action plan and results

export type ActionKind = 'mark' | 'unmark' | 'delete';

/** An account×region whose CloudWatch metrics could not be read this run (detach estimates there are unknown). */
export interface ScopeRef {
  readonly account: string;
  readonly region: string;
}

export interface PlannedAction {
  readonly action: ActionKind;
  readonly account: string;
  readonly region: string;
  readonly volumeId: string;
  /** For mark: the date written; for delete: the date the mark carried. */
  readonly deleteAfter?: string;
  /** For mark: the whole tag value written; for delete: the whole tag value the volume carried when planned. */
  readonly markValue?: string;
  /** For delete: when the suite marked the volume (ISO). */
  readonly markedAt?: string;
  /** For delete: the detach estimate of the scan (ISO, or "unknown" when the volume has no datapoint at all). */
  readonly detachedSince?: string;
  /** For delete: whether a snapshot is taken (and waited for) first. */
  readonly snapshot?: boolean;
  readonly monthlyCostUsd?: number | null;
  readonly reason: string;
}

export interface SkippedAction {
  readonly action: ActionKind;
  readonly account: string;
  readonly region: string;
  readonly volumeId: string;
  readonly reason: string;
}

export interface ActionPlan {
  readonly dryRun: boolean;
  readonly mark: readonly PlannedAction[];
  readonly unmark: readonly PlannedAction[];
  readonly delete: readonly PlannedAction[];
  readonly skipped: readonly SkippedAction[];
  /** Marked volumes whose date has not come yet. */
  readonly pendingCount: number;
}

/** A volume carrying the mark tag that is not unattached any more (from the mark-tag scan). */
export interface MarkedVolumeElsewhere {
  readonly account: string;
  readonly region: string;
  readonly volumeId: string;
  readonly state: string;
  readonly markedDeleteAfter: string;
}

export type ActionOutcome = 'planned' | 'done' | 'skipped' | 'failed';

export interface ActionResult {
  readonly action: ActionKind;
  readonly account: string;
  readonly region: string;
  readonly volumeId: string;
  readonly outcome: ActionOutcome;
  readonly detail: string;
  readonly snapshotId?: string;
}

/** What the event says about this run's actions (counts; the failures are listed first in the details). */
export interface ActionsEventDetail {
  readonly dryRun: boolean;
  readonly planned: { readonly mark: number; readonly unmark: number; readonly delete: number };
  readonly skipped: number;
  readonly pendingMarks: number;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly failed: readonly {
    readonly action: string;
    readonly account: string;
    readonly region: string;
    readonly volumeId: string;
    readonly detail: string;
  }[];
  readonly report: string;
}
