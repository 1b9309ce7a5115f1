/**
 * The whole job for one run, shared by the Lambda handler and tests: audit → plan → write the report → act (when
 * enabled; dry-run unless configured otherwise) → one ops event. The handler only supplies clients, time and context.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { EBS_AUDIT_MARK_TAG_KEY, type EbsAuditConfig } from './config';
import type { OpsEventInput } from '../shared/ops-event';
import { applyDailyDeleteCap, planActions, type ActionPlan } from './actions';
import { countOutcomes, executePlan, type ActionResult } from './actions-run';
import { CredentialCache, runAudit, type AuditRunOutput } from './audit-run';
import type { AuditClientFactory } from './aws-ports';
import { priceResolverFor } from './price-list';
import {
  buildAuditOpsEvent,
  buildJsonReport,
  countRecordedDeletes,
  coverageGapsToCsv,
  deleteIntentKey,
  reportDayPrefix,
  reportKeys,
  summarizeAudit,
  volumesToCsv,
  type ActionsEventDetail,
  type AuditSummary,
} from './report';
import { awsErrorCode, awsErrorMessage } from '../shared/aws-errors';
import { listReportKeys, putReportObject } from './report-store';
import type { ClassificationRules } from './volumes';

export interface JobContext {
  readonly runId: string;
  readonly now: Date;
  readonly clock: () => Date;
  readonly homeAccount: string;
  readonly homeRegion: string;
  readonly reportBucket: string;
  /** Milliseconds left before the function must wrap up (reporting reserve already subtracted). */
  readonly remainingMs: () => number;
}

export interface JobOutcome {
  readonly audit: AuditRunOutput;
  readonly summary: AuditSummary;
  readonly plan?: ActionPlan;
  readonly actionResults?: readonly ActionResult[];
  readonly keys: ReturnType<typeof reportKeys>;
  readonly event: OpsEventInput;
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
      scanMarked: config.actions.mark,
      shouldStop: () => ctx.remainingMs() <= 0,
      pricing: pricing.resolver,
    },
    credentials,
  ).finally(pricing.close);
  const summary = summarizeAudit(audit);
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

  // The report (with the plan) is written before anything is changed.
  const keys = reportKeys(config.report.prefix, ctx.now);
  await putReportObject(deps.s3, ctx.reportBucket, keys.csv, volumesToCsv(audit.volumes), 'text/csv; charset=utf-8');
  await putReportObject(
    deps.s3,
    ctx.reportBucket,
    keys.json,
    buildJsonReport(audit, plan ? { actionPlan: plan } : {}),
    'application/json',
  );
  if (audit.notAudited.length > 0)
    await putReportObject(
      deps.s3,
      ctx.reportBucket,
      keys.notAuditedCsv,
      coverageGapsToCsv(audit.notAudited),
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
    await putReportObject(
      deps.s3,
      ctx.reportBucket,
      keys.actionsJson,
      JSON.stringify({ runId: ctx.runId, dryRun: plan.dryRun, plan, results: actionResults }, null, 2),
      'application/json',
    );
  }

  const actionsDetail: ActionsEventDetail | undefined =
    plan && actionResults
      ? {
          dryRun: plan.dryRun,
          planned: { mark: plan.mark.length, unmark: plan.unmark.length, delete: plan.delete.length },
          skipped: plan.skipped.length,
          pendingMarks: plan.pendingCount,
          outcomes: countOutcomes(actionResults),
          failed: actionResults
            .filter((r) => r.outcome === 'failed')
            .map((r) => ({
              action: r.action,
              account: r.account,
              region: r.region,
              volumeId: r.volumeId,
              detail: r.detail,
            })),
          report: keys.actionsJson,
        }
      : undefined;
  const event = buildAuditOpsEvent(
    summary,
    { bucket: ctx.reportBucket, csvKey: keys.csv, jsonKey: keys.json },
    actionsDetail,
  );
  return { audit, summary, plan, actionResults, keys, event };
}
