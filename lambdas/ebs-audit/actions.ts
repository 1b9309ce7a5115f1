/**
 * The mark → unmark → delete planner. Pure: it decides, the executor acts. Nothing here touches AWS or the clock.
 *
 * - mark: every unexcluded, unmarked, unattached volume outside protected accounts gets the mark tag whose value is
 *   the UTC date from which it may be deleted (at least graceDays away).
 * - unmark: a marked volume that is attached again (seen in-use) loses the mark.
 * - delete: only a volume that is marked, past its date, still unattached in this scan, unexcluded and outside the
 *   protected accounts; capped per run. The executor re-checks it right before acting.
 * Any doubt (an unreadable mark, an unexpected state) means: leave it and say why.
 */
import type { EbsAuditActionsConfig } from '../../lib/config/ebs-audit';
import type { AuditedVolume } from './volumes';

export type ActionKind = 'mark' | 'unmark' | 'delete';

export interface PlannedAction {
  readonly action: ActionKind;
  readonly account: string;
  readonly region: string;
  readonly volumeId: string;
  /** For mark: the date written; for delete: the date the mark carried. */
  readonly deleteAfter?: string;
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

const DAY_MS = 86_400_000;

/** Parses a mark value: exactly YYYY-MM-DD and a real date, else undefined. */
export function parseMarkDate(value: string | null | undefined): Date | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value ? undefined : date;
}

/** The first UTC date whose midnight is at least graceDays after now. */
export function deletionDate(now: Date, graceDays: number): string {
  const earliest = now.getTime() + graceDays * DAY_MS;
  const midnight = Math.floor(earliest / DAY_MS) * DAY_MS;
  return new Date(midnight < earliest ? midnight + DAY_MS : midnight).toISOString().slice(0, 10);
}

export interface PlanInput {
  /** The unattached volumes of this run's scan. */
  readonly volumes: readonly AuditedVolume[];
  /** Marked volumes found in any other state (only in audited scopes). */
  readonly markedElsewhere: readonly MarkedVolumeElsewhere[];
  readonly config: EbsAuditActionsConfig;
  readonly now: Date;
}

export function planActions({ volumes, markedElsewhere, config, now }: PlanInput): ActionPlan {
  const mark: PlannedAction[] = [];
  const unmark: PlannedAction[] = [];
  const deleteCandidates: PlannedAction[] = [];
  const skipped: SkippedAction[] = [];
  let pendingCount = 0;
  const empty = { dryRun: config.dryRun, mark, unmark, delete: [], skipped, pendingCount };
  if (!config.mark) return empty;

  const isProtected = (account: string) => config.protectedAccounts.includes(account);
  const where = (v: { account: string; region: string; volumeId: string }) => ({
    account: v.account,
    region: v.region,
    volumeId: v.volumeId,
  });

  for (const m of markedElsewhere) {
    if (isProtected(m.account)) {
      skipped.push({ action: 'unmark', ...where(m), reason: 'protected account' });
    } else if (m.state === 'in-use') {
      unmark.push({ action: 'unmark', ...where(m), reason: 're-attached since marking' });
    } else {
      skipped.push({ action: 'unmark', ...where(m), reason: `state ${m.state}: left as is` });
    }
  }

  const newMarkDate = deletionDate(now, config.graceDays);
  for (const v of volumes) {
    if (v.excluded) continue; // reported as excluded, never acted on
    if (isProtected(v.account)) {
      skipped.push({
        action: v.markedDeleteAfter === null ? 'mark' : 'delete',
        ...where(v),
        reason: 'protected account',
      });
      continue;
    }
    if (v.markedDeleteAfter === null) {
      mark.push({
        action: 'mark',
        ...where(v),
        deleteAfter: newMarkDate,
        monthlyCostUsd: v.monthlyCostUsd,
        reason: 'unattached',
      });
      continue;
    }
    const due = parseMarkDate(v.markedDeleteAfter);
    if (!due) {
      skipped.push({
        action: 'delete',
        ...where(v),
        reason: `mark value ${JSON.stringify(v.markedDeleteAfter.slice(0, 40))} is not a YYYY-MM-DD date`,
      });
      continue;
    }
    if (now.getTime() < due.getTime()) {
      pendingCount += 1;
      continue;
    }
    if (!config.delete) {
      skipped.push({ action: 'delete', ...where(v), reason: 'past its date, but actions.delete is off' });
      continue;
    }
    deleteCandidates.push({
      action: 'delete',
      ...where(v),
      deleteAfter: v.markedDeleteAfter,
      snapshot: config.snapshotBeforeDelete,
      monthlyCostUsd: v.monthlyCostUsd,
      reason: `marked, due since ${v.markedDeleteAfter}, still unattached`,
    });
  }

  // Tag changes are capped together; unmarks (the safe direction) go first.
  const tagChanges = [...unmark, ...mark];
  const keptTagChanges = new Set(tagChanges.slice(0, config.maxMarksPerRun));
  for (const a of tagChanges.slice(config.maxMarksPerRun)) {
    skipped.push({
      action: a.action,
      ...where(a),
      reason: `cap of ${config.maxMarksPerRun} tag changes per run reached`,
    });
  }

  // Oldest marks first, then the most expensive.
  deleteCandidates.sort(
    (a, b) =>
      (a.deleteAfter ?? '').localeCompare(b.deleteAfter ?? '') ||
      (b.monthlyCostUsd ?? -1) - (a.monthlyCostUsd ?? -1) ||
      a.volumeId.localeCompare(b.volumeId),
  );
  const deletes = deleteCandidates.slice(0, config.maxDeletesPerRun);
  for (const a of deleteCandidates.slice(config.maxDeletesPerRun)) {
    skipped.push({
      action: 'delete',
      ...where(a),
      reason: `cap of ${config.maxDeletesPerRun} deletes per run reached`,
    });
  }

  return {
    dryRun: config.dryRun,
    mark: mark.filter((a) => keptTagChanges.has(a)),
    unmark: unmark.filter((a) => keptTagChanges.has(a)),
    delete: deletes,
    skipped,
    pendingCount,
  };
}

/**
 * The last check right before a delete, on a fresh DescribeVolumes of that one volume. Returns the reason to stop,
 * or undefined when it is safe to go on.
 */
export function recheckBeforeDelete(
  current: { readonly state?: string; readonly tags: Readonly<Record<string, string>> } | undefined,
  planned: PlannedAction,
  rules: { readonly markTagKey: string; readonly excludeTag: { readonly key: string; readonly value: string } },
  now: Date,
): string | undefined {
  if (!current) return 'volume no longer exists';
  if (current.state === 'in-use') return 're-attached since marking';
  if (current.state !== 'available') return `state is ${current.state ?? 'unknown'}, not available`;
  const mark = Object.hasOwn(current.tags, rules.markTagKey) ? current.tags[rules.markTagKey] : undefined;
  if (mark === undefined) return 'mark tag removed since the scan';
  if (mark !== planned.deleteAfter) return `mark changed to ${JSON.stringify(mark.slice(0, 40))} since the scan`;
  const due = parseMarkDate(mark);
  if (!due || now.getTime() < due.getTime()) return 'mark date not reached';
  const excl = Object.hasOwn(current.tags, rules.excludeTag.key) ? current.tags[rules.excludeTag.key] : undefined;
  if (excl !== undefined && excl.trim().toLowerCase() === rules.excludeTag.value.trim().toLowerCase())
    return 'excluded since the scan';
  return undefined;
}
