import { CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { registerAlertNotifierCommand } from '../../cli/commands/alert-notifier';
import { type AlertNotifierConfig, alertNotifierConfig } from '../../lambdas/alert-notifier/config';
import { functionSettings } from '../config/suite';
import { OpsFunction } from '../constructs/ops-function';
import { allowAlarmsOfThisAccount } from '../constructs/topic-access';
import { defineJob, type SuiteContext } from './types';

export const ALERT_NOTIFIER_JOB = 'alert-notifier';

export interface AlertNotifierProps {
  readonly suite: SuiteContext;
  readonly jobConfig: AlertNotifierConfig;
  /** The ops-events topic (every job's events, every function's alarms). */
  readonly opsTopic: sns.ITopic;
  /** The alerting key: encrypts the alarms topic too. */
  readonly key: kms.Key;
}

/** EventBridge pattern for AWS Backup jobs that need a human: failed, aborted, expired, or completed with a message. */
export const BACKUP_JOB_PATTERN: events.EventPattern = {
  source: ['aws.backup'],
  detailType: ['Backup Job State Change'],
  detail: {
    $or: [{ state: ['FAILED', 'ABORTED', 'EXPIRED'] }, { state: ['COMPLETED'], statusMessage: [{ exists: true }] }],
  },
};

export const ALARM_STATE_CHANGE_PATTERN: events.EventPattern = {
  source: ['aws.cloudwatch'],
  detailType: ['CloudWatch Alarm State Change'],
};

/**
 * The alert-notifier: one function subscribed to the ops-events topic and to a second, KMS-encrypted, TLS-only
 * "alarms" topic for CloudWatch alarms and Amazon Managed Prometheus alertmanager; optional EventBridge rules for
 * alarm state changes and AWS Backup job problems; read access to exactly one secret (the webhook map).
 */
export class AlertNotifier extends Construct {
  readonly fn: OpsFunction;
  readonly alarmsTopic: sns.Topic;
  readonly alarmRule?: events.Rule;
  readonly backupRule?: events.Rule;

  constructor(scope: Construct, id: string, props: AlertNotifierProps) {
    super(scope, id);
    const { suite, jobConfig, opsTopic, key } = props;
    const stack = Stack.of(this);

    this.alarmsTopic = new sns.Topic(this, 'AlarmsTopic', {
      displayName: `${suite.name} alarms (CloudWatch, Prometheus) to Slack`,
      masterKey: key,
      enforceSSL: true,
    });
    // CloudWatch alarms of this account and region publish here.
    allowAlarmsOfThisAccount(this.alarmsTopic, stack);
    // Amazon Managed Service for Prometheus alertmanager (its only receiver is SNS) of this account and region.
    this.alarmsTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowManagedPrometheusAlertmanager',
        principals: [new iam.ServicePrincipal('aps.amazonaws.com')],
        actions: ['sns:Publish', 'sns:GetTopicAttributes'],
        resources: [this.alarmsTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:aps:${stack.region}:${stack.account}:workspace/*` },
        },
      }),
    );
    // ...and AMP must be able to use the topic key (CloudWatch and EventBridge already can: see AlertingStack).
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowManagedPrometheusToPublishToEncryptedTopics',
        principals: [new iam.ServicePrincipal('aps.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );

    this.fn = new OpsFunction(this, 'Function', {
      jobName: ALERT_NOTIFIER_JOB,
      entry: join(__dirname, '../../lambdas/alert-notifier/handler.ts'),
      opsTopic,
      settings: functionSettings(suite.defaults, jobConfig.function),
      description: 'platform-ops alert-notifier: alarms and events to Slack',
      // The validated job config (routes, secret NAME, runbooks): no secret in it.
      environment: { JOB_CONFIG: JSON.stringify(jobConfig) },
    });

    // Exactly the webhook secret: a name-based ARN plus the 6-character suffix Secrets Manager appends.
    const secret = secretsmanager.Secret.fromSecretNameV2(this, 'WebhookSecret', jobConfig.webhookSecretName);
    const secretPolicy = new iam.Policy(this, 'WebhookSecretRead', {
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadSlackWebhookSecret',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [`${secret.secretArn}-??????`],
        }),
      ],
    });
    this.fn.role.attachInlinePolicy(secretPolicy);
    Validations.of(secretPolicy).acknowledge({
      id: 'AwsSolutions-IAM5',
      reason:
        'The only wildcard is "-??????": Secrets Manager appends 6 random characters to a secret ARN; the grant names one secret by name.',
    });

    // SNS → Lambda: what SNS cannot deliver goes to the function's DLQ (its depth alarm already exists).
    for (const topic of [opsTopic, this.alarmsTopic]) {
      topic.addSubscription(
        new subscriptions.LambdaSubscription(this.fn, { deadLetterQueue: this.fn.deadLetterQueue }),
      );
    }

    const target = () =>
      new targets.LambdaFunction(this.fn, {
        retryAttempts: 2,
        maxEventAge: Duration.hours(2),
        deadLetterQueue: this.fn.deadLetterQueue,
      });
    if (jobConfig.cloudwatchAlarmEvents) {
      this.alarmRule = new events.Rule(this, 'AlarmStateChange', {
        description: 'platform-ops alert-notifier: CloudWatch alarm state changes in this account and region',
        eventPattern: ALARM_STATE_CHANGE_PATTERN,
      });
      this.alarmRule.addTarget(target());
    }
    if (jobConfig.backupJobEvents) {
      this.backupRule = new events.Rule(this, 'BackupJobProblems', {
        description: 'platform-ops alert-notifier: AWS Backup jobs failed, aborted, expired or completed with issues',
        eventPattern: BACKUP_JOB_PATTERN,
      });
      this.backupRule.addTarget(target());
    }
  }
}

export const alertNotifierJob = defineJob({
  key: 'alertNotifier',
  name: ALERT_NOTIFIER_JOB,
  config: alertNotifierConfig,
  /** The notifier lives in the alerting stack, beside the topic it subscribes to and the key it shares. */
  // The issue-12 goal: 289.5 KiB measured (zod/mini 34 KiB); @smithy/core (111 KiB) is the largest part left.
  bundleBudgetKiB: 300,
  deploy(ctx, section) {
    const notifier = new AlertNotifier(ctx.alerting, 'AlertNotifier', {
      suite: ctx.suite,
      jobConfig: section,
      opsTopic: ctx.alerting.opsTopic,
      key: ctx.alerting.key,
    });
    new CfnOutput(ctx.alerting, 'AlarmsTopicArn', {
      value: notifier.alarmsTopic.topicArn,
      description: 'Point CloudWatch alarm actions and AMP alertmanager sns_configs here',
    });
  },
  registerCli: registerAlertNotifierCommand,
});
