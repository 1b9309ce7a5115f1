/**
 * Carries out an action plan. Dry-run returns the plan as "planned" and calls nothing. Otherwise: tag changes, then
 * deletes in two passes (re-check and start every snapshot, then wait for each, re-check again right before
 * DeleteVolume). Every failure is recorded per volume; one bad volume never stops the rest.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { EBS_AUDIT_SNAPSHOT_MARK_TAG_KEY, EBS_AUDIT_SNAPSHOT_SOURCE_TAG_KEY } from './config';
import {
  ATTACHED_AFTER_MARKING,
  formatMark,
  REATTACHED_NOW,
  recheckBeforeDelete,
  type ActionKind,
  type ActionPlan,
  type FreshDetachEstimate,
  type PlannedAction,
} from './actions';
import type { CredentialCache } from './audit-run';
import { awsErrorCode, awsErrorMessage } from '../shared/aws-errors';
import {
  lastIdleDatapoints,
  createAuditSnapshot,
  deleteVolume,
  describeVolume,
  findAuditSnapshot,
  tagVolume,
  untagVolume,
  waitForSnapshot,
  type AuditClientFactory,
} from './aws-ports';
import { estimateDetachedSince } from './volumes';

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

export function countOutcomes(results: readonly ActionResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[`${r.action}.${r.outcome}`] = (counts[`${r.action}.${r.outcome}`] ?? 0) + 1;
  return counts;
}

export async function executePlan(
  plan: ActionPlan,
  factory: AuditClientFactory,
  credentials: CredentialCache,
  options: ExecuteOptions,
): Promise<ActionResult[]> {
  const all = [...plan.unmark, ...plan.mark, ...plan.delete];
  if (plan.dryRun) {
    return all.map((a) => ({ ...where(a), outcome: 'planned', detail: `DRY RUN: would ${describe(a)}` }));
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
    ...where(a),
    outcome: 'failed',
    detail: `${awsErrorCode(err)}: ${awsErrorMessage(err)}`,
    ...(snapshotId ? { snapshotId } : {}),
  });

  try {
    for (const a of [...plan.unmark, ...plan.mark]) {
      const ec2 = ec2For(a);
      if (!ec2) {
        results.push({ ...where(a), outcome: 'skipped', detail: 'no credentials for the account in this run' });
        continue;
      }
      try {
        if (a.action === 'mark') {
          if (!a.markValue) throw new Error('planned mark carries no mark value');
          await tagVolume(ec2, a.volumeId, options.markTagKey, a.markValue);
        } else await untagVolume(ec2, a.volumeId, options.markTagKey);
        results.push({ ...where(a), outcome: 'done', detail: describe(a) });
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
        results.push({ ...where(a), outcome: 'skipped', detail: 'no credentials for the account in this run' });
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
            ...where(a),
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
              ...where(a),
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
          ...where(a),
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
      return { ...where(a), outcome: 'skipped', detail: `${reason}: not deleted, mark removed` };
    } catch (err) {
      return {
        ...where(a),
        outcome: 'skipped',
        detail: `${reason}: not deleted; removing the mark failed (${awsErrorCode(err)})`,
      };
    }
  }
  if (reason.startsWith(ATTACHED_AFTER_MARKING)) {
    const fresh = formatMark(options.clock(), options.graceDays);
    try {
      await tagVolume(ec2, a.volumeId, options.markTagKey, fresh.value);
      return { ...where(a), outcome: 'skipped', detail: `${reason}: not deleted, re-marked ${fresh.value}` };
    } catch (err) {
      return {
        ...where(a),
        outcome: 'skipped',
        detail: `${reason}: not deleted; re-marking failed (${awsErrorCode(err)})`,
      };
    }
  }
  return { ...where(a), outcome: 'skipped', detail: `${reason}: not deleted` };
}

function where(a: PlannedAction) {
  return { action: a.action, account: a.account, region: a.region, volumeId: a.volumeId };
}

function describe(a: PlannedAction): string {
  switch (a.action) {
    case 'mark':
      return `tag ${a.volumeId} for deletion after ${a.deleteAfter} (${a.markValue}; ${a.reason})`;
    case 'unmark':
      return `remove the deletion mark from ${a.volumeId} (${a.reason})`;
    case 'delete':
      return `delete ${a.volumeId}${a.snapshot ? ' after a completed snapshot' : ' without a snapshot'}`;
  }
}
