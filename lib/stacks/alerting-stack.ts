import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { allowAlarmsOfThisAccount } from '../constructs/topic-access';

export interface AlertingStackProps extends StackProps {
  /** The suite's name (prefix of resource names). */
  readonly name: string;
  /** E-mail addresses subscribed to the ops-events topic as a last-resort channel. */
  readonly emailSubscriptions: readonly string[];
}

/**
 * The alerting stack: the KMS key and the ops-events topic that every job publishes to and every alarm notifies.
 * The alert-notifier job (lib/jobs/alert-notifier.ts) adds itself to this stack and turns each message into a Slack
 * message.
 */
export class AlertingStack extends Stack {
  readonly key: kms.Key;
  readonly opsTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlertingStackProps) {
    super(scope, id, props);

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
      displayName: `${props.name} ops events`,
      masterKey: this.key,
      enforceSSL: true,
    });
    // Alarms in this account may publish (the topic policy is the only way CloudWatch gets in).
    allowAlarmsOfThisAccount(this.opsTopic, this);
    for (const email of props.emailSubscriptions) {
      this.opsTopic.addSubscription(new subscriptions.EmailSubscription(email));
    }

    new CfnOutput(this, 'OpsEventsTopicArn', { value: this.opsTopic.topicArn, description: 'Publish ops events here' });
  }
}
