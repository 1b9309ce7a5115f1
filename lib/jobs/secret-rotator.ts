import * as path from 'node:path';
import { Annotations, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { registerSecretRotatorCommand } from '../../cli/commands/secret-rotator';
import {
  secretRotatorConfig,
  secretRotatorConfigWarnings,
  type SecretRotatorConfig,
} from '../../lambdas/secret-rotator/config';
import { ROTATOR_METRICS, SECRET_ROTATOR_SOURCE } from '../../lambdas/secret-rotator/event';
import { functionSettings } from '../config/suite';
import { ScheduledJob } from '../constructs/scheduled-job';
import { grantVpcNetworkInterfaces, vpcPlacement } from '../constructs/vpc-placement';
import { defineJob, type JobStackProps } from './types';

export const SECRET_ROTATOR_JOB = SECRET_ROTATOR_SOURCE;

/** The function role's name: fixed, so the Vault `aws` auth role can be bound to its ARN before the first deploy. */
export function secretRotatorRoleName(suiteName: string): string {
  return `${suiteName}-secret-rotator-function`;
}

/**
 * secret-rotator: a daily ScheduledJob with reserved concurrency 1 (two rotations of one secret must not race),
 * optional VPC placement (a private Vault), and alarms to the ops-events topic: per managed or watched secret when
 * its certificate has fewer days left than `alarmDaysLeft`, and when any rotation or watch fails.
 * The role gets no AWS permission beyond the house defaults: Vault's IAM auth needs only the signed
 * sts:GetCallerIdentity, which requires no permission; nothing is read from Secrets Manager or KMS.
 */
export class SecretRotatorStack extends Stack {
  readonly job: ScheduledJob;
  readonly expiryAlarms: cloudwatch.Alarm[] = [];
  readonly failureAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: JobStackProps<SecretRotatorConfig>) {
    super(scope, id, props);
    const cfg = props.job;
    for (const warning of secretRotatorConfigWarnings(cfg))
      Annotations.of(this).addWarningV2('platform-ops:secret-rotator:plain-http', warning);

    const vpcProps = cfg.vpc ? vpcPlacement(this, cfg.vpc) : {};
    this.job = new ScheduledJob(this, 'SecretRotator', {
      jobName: SECRET_ROTATOR_JOB,
      entry: path.join(__dirname, '../../lambdas/secret-rotator/handler.ts'),
      opsTopic: props.opsTopic,
      settings: { ...functionSettings(props.suite.defaults, cfg.function), reservedConcurrency: 1 },
      schedule: cfg.schedule,
      description: 'platform-ops secret-rotator: mTLS key material in Vault KV v2, rotated before it expires',
      // The validated section (addresses, paths, roles, public CA bundles): no token, no key.
      environment: { JOB_CONFIG: JSON.stringify(cfg) },
      ...vpcProps,
    });
    const fn = this.job.fn;
    (fn.role.node.defaultChild as iam.CfnRole).roleName = secretRotatorRoleName(props.suite.name);
    if (cfg.vpc) grantVpcNetworkInterfaces(fn);
    new CfnOutput(this, 'FunctionRoleArn', {
      description: 'Bind the Vault aws auth role to this ARN (bound_iam_principal_arn)',
      value: fn.role.roleArn,
    });

    const notify = new cwActions.SnsAction(props.opsTopic);
    const dims = (secret?: string) => ({
      service: SECRET_ROTATOR_JOB,
      ...(secret ? { [ROTATOR_METRICS.secretDimension]: secret } : {}),
    });
    const entries = [
      ...cfg.secrets.map((s) => ({ name: s.name, kind: 'managed' })),
      ...cfg.watch.map((w) => ({ name: w.name, kind: 'watched' })),
    ];
    for (const e of entries) {
      const alarm = new cloudwatch.Alarm(this, `DaysLeft-${e.name}`, {
        alarmDescription: `platform-ops secret-rotator: ${e.kind} certificate ${e.name} has fewer than ${cfg.alarmDaysLeft} days left${e.kind === 'managed' ? ' (the rotation is not happening)' : ''}`,
        metric: new cloudwatch.Metric({
          namespace: 'PlatformOps',
          metricName: ROTATOR_METRICS.daysLeft,
          dimensionsMap: dims(e.name),
          statistic: cloudwatch.Stats.MINIMUM,
          period: Duration.days(1),
        }),
        threshold: cfg.alarmDaysLeft,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        // No figure means the run failed or could not read it: the failure and Errors alarms say so.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
      this.expiryAlarms.push(alarm);
    }
    this.failureAlarm = new cloudwatch.Alarm(this, 'RotationFailures', {
      alarmDescription:
        'platform-ops secret-rotator: a rotation or a watched secret failed (see the rotation-failed event)',
      metric: new cloudwatch.Metric({
        namespace: 'PlatformOps',
        metricName: ROTATOR_METRICS.failures,
        dimensionsMap: dims(),
        statistic: cloudwatch.Stats.SUM,
        period: Duration.hours(1),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.failureAlarm.addAlarmAction(notify);
    this.failureAlarm.addOkAction(notify);
  }
}

export const secretRotatorJob = defineJob({
  key: 'secretRotator',
  name: SECRET_ROTATOR_JOB,
  config: secretRotatorConfig,
  // 528 KiB measured: @peculiar/x509 with its ASN.1 schemas, the SNS client and zod/mini.
  bundleBudgetKiB: 560,
  deploy(ctx, section) {
    new SecretRotatorStack(ctx.app, `${ctx.suite.name}-${SECRET_ROTATOR_JOB}`, {
      ...ctx.stackProps,
      suite: ctx.suite,
      job: section,
      opsTopic: ctx.opsTopic,
      description: 'platform-ops: secret-rotator (mTLS key material in Vault KV v2, expiry alarms)',
    });
  },
  registerCli: (program) => registerSecretRotatorCommand(program),
});
