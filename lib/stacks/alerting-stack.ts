import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { AlertNotifier } from '../constructs/alert-notifier';
import { allowAlarmsOfThisAccount } from '../constructs/topic-access';
import type { JobStackProps } from './job-stack';

export type AlertingStackProps = Omit<JobStackProps, 'opsTopic'>;

/**
 * The alerting stack: the KMS key and the ops-events topic that every job publishes to and every alarm notifies.
 * The alert-notifier subscribes to it and turns each message into a Slack message.
 */
export class AlertingStack extends Stack {
  readonly key: kms.Key;
  readonly opsTopic: sns.Topic;
  /** alert-notifier: present when `jobs.alertNotifier.enabled`. */
  readonly alertNotifier?: AlertNotifier;

  constructor(scope: Construct, id: string, props: AlertingStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the platform-ops SNS topics',
      enableKeyRotation: true,
    });
    // CloudWatch alarms and EventBridge rules publish to the encrypted topic as AWS services; they need the key.
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `Allow${service.split('.')[0]}ToPublishToEncryptedTopics`,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      );
    }

    this.opsTopic = new sns.Topic(this, 'OpsEvents', {
      displayName: `${config.name} ops events`,
      masterKey: this.key,
      enforceSSL: true,
    });
    // Alarms in this account may publish (the topic policy is the only way CloudWatch gets in).
    allowAlarmsOfThisAccount(this.opsTopic, this);
    for (const email of config.alerting.emailSubscriptions) {
      this.opsTopic.addSubscription(new subscriptions.EmailSubscription(email));
    }

    // alert-notifier
    const alertNotifierConfig = config.jobs.alertNotifier;
    if (alertNotifierConfig?.enabled) {
      this.alertNotifier = new AlertNotifier(this, 'AlertNotifier', {
        config,
        jobConfig: alertNotifierConfig,
        opsTopic: this.opsTopic,
        key: this.key,
      });
      new CfnOutput(this, 'AlarmsTopicArn', {
        value: this.alertNotifier.alarmsTopic.topicArn,
        description: 'Point CloudWatch alarm actions and AMP alertmanager sns_configs here',
      });
    }

    new CfnOutput(this, 'OpsEventsTopicArn', { value: this.opsTopic.topicArn, description: 'Publish ops events here' });
  }
}
