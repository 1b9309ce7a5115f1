/**
 * The mark → unmark → delete planner. Pure: it decides, the executor acts. Nothing here touches AWS or the clock.
 *
 * - mark: every unexcluded, unmarked, unattached volume outside protected accounts gets the mark tag whose value is
 *   `<marked-at>/<delete-after>`: the UTC second the suite marked it and the UTC date from which it may be deleted
 *   (at least graceDays away), e.g. `2026-11-09T06:00:00Z/2026-11-23`.
 * - re-mark: a mark the suite did not write (old date-only format, malformed, marked-at in the future, or a grace
 *   period shorter than graceDays) is never treated as due: it is overwritten with a fresh mark. So is the mark of a
 *   volume that was attached after it was marked (its last VolumeIdleTime datapoint is later than marked-at).
 * - unmark: a marked volume that is attached again (seen in-use) loses the mark.
 * - delete: only a volume that is marked, past its date, not attached since it was marked (as far as CloudWatch
 *   knows; never when its metrics could not be read), still unattached in this scan, unexcluded and outside the
 *   protected accounts; capped per run. The executor re-checks it right before acting.
 * Any doubt (an unreadable mark, an unexpected state, missing metrics) means: leave it and say why.
 */
import type { EbsAuditActionsConfig } from '../config';
import { DAY_MS } from '../../shared/time';
import type {
  ActionPlan,
  ActionResult,
  AuditedVolume,
  MarkedVolumeElsewhere,
  PlannedAction,
  ScopeRef,
  SkippedAction,
} from '../types';
import { isExcluded } from './volumes';

/** Parses a date: exactly YYYY-MM-DD and a real date, else undefined. */
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

/** An ISO instant to the second, in the form the mark uses: `2026-11-09T06:00:00Z`. */
export function markInstant(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The mark tag value the suite writes: `<marked-at>/<delete-after>`. */
export function formatMark(now: Date, graceDays: number): { value: string; deleteAfter: string } {
  const markedAt = new Date(Math.floor(now.getTime() / 1000) * 1000); // the instant as written, to the second
  const deleteAfter = deletionDate(markedAt, graceDays);
  return { value: `${markInstant(markedAt)}/${deleteAfter}`, deleteAfter };
}

export interface ParsedMark {
  readonly markedAt: Date;
  readonly deleteAfter: string;
  readonly due: Date;
}

/**
 * Reads a mark value as the suite writes it. Undefined (with the reason) when the suite cannot have written it:
 * not `<YYYY-MM-DDTHH:MM:SSZ>/<YYYY-MM-DD>`, not real dates, marked in the future, or a delete-after date earlier
 * than graceDays after marked-at (a hand-edited date never shortens the grace period).
 */
export function parseMark(
  value: string | null | undefined,
  graceDays: number,
  now: Date,
): { mark: ParsedMark; problem?: undefined } | { mark?: undefined; problem: string } {
  const shown = JSON.stringify((value ?? '').slice(0, 60));
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})Z\/(\d{4}-\d{2}-\d{2})$/.exec(value ?? '');
  if (!m) return { problem: `mark value ${shown} is not <marked-at>/<delete-after> as the suite writes it` };
  const markedAt = new Date(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`);
  const due = parseMarkDate(m[5]);
  if (Number.isNaN(markedAt.getTime()) || markInstant(markedAt) !== `${m[1]}T${m[2]}:${m[3]}:${m[4]}Z` || !due)
    return { problem: `mark value ${shown} holds an impossible date` };
  if (markedAt.getTime() > now.getTime()) return { problem: `mark value ${shown} was marked in the future` };
  if (m[5] < deletionDate(markedAt, graceDays))
    return { problem: `mark value ${shown} gives less than the ${graceDays}-day grace period` };
  return { mark: { markedAt, deleteAfter: m[5], due } };
}

export interface PlanInput {
  /** The unattached volumes of this run's scan. */
  readonly volumes: readonly AuditedVolume[];
  /** Marked volumes found in any other state (only in audited scopes). */
  readonly markedElsewhere: readonly MarkedVolumeElsewhere[];
  readonly config: EbsAuditActionsConfig;
  readonly now: Date;
  /**
   * Scopes whose VolumeIdleTime metrics failed this run: their volumes' detach estimates are unknown for lack of data,
   * not because they were never attached, so none of them is deleted.
   */
  readonly metricsFailed: readonly ScopeRef[];
}

export function planActions({ volumes, markedElsewhere, config, now, metricsFailed }: PlanInput): ActionPlan {
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

  const fresh = formatMark(now, config.graceDays);
  const remark = (v: AuditedVolume, reason: string): PlannedAction => ({
    action: 'mark',
    ...where(v),
    deleteAfter: fresh.deleteAfter,
    markValue: fresh.value,
    monthlyCostUsd: v.monthlyCostUsd,
    reason,
  });
  const failedScopes = new Set(metricsFailed.map((s) => `${s.account}/${s.region}`));
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
      mark.push(remark(v, 'unattached'));
      continue;
    }
    const parsed = parseMark(v.markedDeleteAfter, config.graceDays, now);
    if (!parsed.mark) {
      // Never due: a mark the suite did not write starts a full grace period from now.
      mark.push(remark(v, `${parsed.problem}: re-marked with a fresh grace period`));
      continue;
    }
    const { markedAt, due } = parsed.mark;
    const detachedSince = v.detachedSince === 'unknown' ? undefined : new Date(v.detachedSince);
    if (detachedSince && detachedSince.getTime() > markedAt.getTime()) {
      mark.push(
        remark(
          v,
          `attached after it was marked (last attached until ${v.detachedSince}, marked ${markInstant(markedAt)}):` +
            ' re-marked with a fresh grace period',
        ),
      );
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
    if (!detachedSince && failedScopes.has(`${v.account}/${v.region}`)) {
      skipped.push({
        action: 'delete',
        ...where(v),
        reason:
          'detached-since unknown: CloudWatch metrics could not be read for this account/region, so a re-attach' +
          ' since marking cannot be ruled out; not deleted this run',
      });
      continue;
    }
    deleteCandidates.push({
      action: 'delete',
      ...where(v),
      deleteAfter: parsed.mark.deleteAfter,
      markValue: v.markedDeleteAfter,
      markedAt: markInstant(markedAt),
      detachedSince: v.detachedSince,
      snapshot: config.snapshotBeforeDelete,
      monthlyCostUsd: v.monthlyCostUsd,
      reason: `marked ${markInstant(markedAt)}, due since ${parsed.mark.deleteAfter}, not attached since, still unattached`,
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

/** Reasons recheckBeforeDelete gives that mean "attached again": the executor then removes or renews the mark. */
export const REATTACHED_NOW = 're-attached since marking';
export const ATTACHED_AFTER_MARKING = 'attached after it was marked';

/** What CloudWatch says right before the delete: the newest detach estimate, none at all, or unreadable. */
export type FreshDetachEstimate = Date | 'no-datapoint' | 'metrics-failed';

/**
 * The last check right before a delete, on a fresh DescribeVolumes of that one volume (and, when given, a fresh
 * detach estimate from CloudWatch). Returns the reason to stop, or undefined when it is safe to go on.
 */
export function recheckBeforeDelete(
  current: { readonly state?: string; readonly tags: Readonly<Record<string, string>> } | undefined,
  planned: PlannedAction,
  rules: {
    readonly markTagKey: string;
    readonly excludeTag: { readonly key: string; readonly value: string };
    readonly graceDays: number;
  },
  now: Date,
  freshDetachedSince?: FreshDetachEstimate,
): string | undefined {
  if (!current) return 'volume no longer exists';
  if (current.state === 'in-use') return REATTACHED_NOW;
  if (current.state !== 'available') return `state is ${current.state ?? 'unknown'}, not available`;
  const mark = Object.hasOwn(current.tags, rules.markTagKey) ? current.tags[rules.markTagKey] : undefined;
  if (mark === undefined) return 'mark tag removed since the scan';
  if (mark !== planned.markValue) return `mark changed to ${JSON.stringify(mark.slice(0, 40))} since the scan`;
  const parsed = parseMark(mark, rules.graceDays, now);
  if (!parsed.mark) return parsed.problem;
  if (now.getTime() < parsed.mark.due.getTime()) return 'mark date not reached';
  if (isExcluded(current.tags, rules.excludeTag)) return 'excluded since the scan';
  const markedAt = parsed.mark.markedAt.getTime();
  const estimates: (string | FreshDetachEstimate | undefined)[] = [planned.detachedSince, freshDetachedSince];
  for (const estimate of estimates) {
    if (estimate === 'metrics-failed')
      return 'CloudWatch metrics could not be read right before the delete: a re-attach since marking cannot be ruled out';
    if (estimate === undefined || estimate === 'unknown' || estimate === 'no-datapoint') continue;
    const since = estimate instanceof Date ? estimate : new Date(estimate);
    if (Number.isNaN(since.getTime()))
      return `detach estimate ${JSON.stringify(String(estimate).slice(0, 40))} unreadable`;
    if (since.getTime() > markedAt)
      return `${ATTACHED_AFTER_MARKING} (last attached until ${since.toISOString()}, marked ${markInstant(parsed.mark.markedAt)})`;
  }
  return undefined;
}

/**
 * The per-run delete cap must also hold per UTC day across invocations (a retried or repeated invocation must not
 * delete another batch). `deletesToday` is how many deletes earlier invocations recorded today; undefined when that
 * could not be read, and then nothing is deleted (doubt means do nothing).
 */
export function applyDailyDeleteCap(
  plan: ActionPlan,
  deletesToday: number | undefined,
  cap: number,
  unknownReason = 'the deletes already recorded today could not be counted',
): ActionPlan {
  if (plan.delete.length === 0) return plan;
  const remaining = deletesToday === undefined ? 0 : Math.max(cap - deletesToday, 0);
  if (plan.delete.length <= remaining) return plan;
  const reason =
    deletesToday === undefined
      ? `${unknownReason}: no deletes this run`
      : `daily cap of ${cap} deletes reached (${deletesToday} already recorded today)`;
  return {
    ...plan,
    delete: plan.delete.slice(0, remaining),
    skipped: [
      ...plan.skipped,
      ...plan.delete.slice(remaining).map((a) => ({
        action: a.action,
        account: a.account,
        region: a.region,
        volumeId: a.volumeId,
        reason,
      })),
    ],
  };
}

export function countOutcomes(results: readonly ActionResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[`${r.action}.${r.outcome}`] = (counts[`${r.action}.${r.outcome}`] ?? 0) + 1;
  return counts;
}

/** The volume an action is about (the identifying fields of a result). */
export function actionTarget(a: PlannedAction): Pick<ActionResult, 'action' | 'account' | 'region' | 'volumeId'> {
  return { action: a.action, account: a.account, region: a.region, volumeId: a.volumeId };
}

/** What an action does, in words (dry-run results and done actions). */
export function describeAction(a: PlannedAction): string {
  switch (a.action) {
    case 'mark':
      return `tag ${a.volumeId} for deletion after ${a.deleteAfter} (${a.markValue}; ${a.reason})`;
    case 'unmark':
      return `remove the deletion mark from ${a.volumeId} (${a.reason})`;
    case 'delete':
      return `delete ${a.volumeId}${a.snapshot ? ' after a completed snapshot' : ' without a snapshot'}`;
  }
}
