import {
  AutoScalingClient,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DescribePoliciesCommand,
  DescribeScalingActivitiesCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { nodeAutoscalerConfig } from '../../../lambdas/node-autoscaler/config';
import { metrics } from '../../../lambdas/shared/powertools';

const asg = mockClient(AutoScalingClient);
const cw = mockClient(CloudWatchClient);
const ec2 = mockClient(EC2Client);
const eks = mockClient(EKSClient);
const sns = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ops-events';
const context = {
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:platform-ops-node-autoscaler',
  getRemainingTimeInMillis: () => 50_000,
} as unknown as Context;
type Handler = (event: unknown, context: Context) => Promise<any>;
let handler: Handler;

beforeAll(() => {
  process.env.JOB_CONFIG = JSON.stringify(
    nodeAutoscalerConfig.parse({
      enabled: true,
      dryRun: false,
      groups: [{ name: 'general', cluster: 'prod', nodeGroup: 'general', minSize: 2, maxSize: 10 }],
    }),
  );
  process.env.OPS_TOPIC_ARN = TOPIC;
  handler = jest.requireActual<{ handler: Handler }>('../../../lambdas/node-autoscaler/handler').handler;
});
afterAll(() => {
  delete process.env.JOB_CONFIG;
  delete process.env.OPS_TOPIC_ARN;
});

beforeEach(() => {
  for (const m of [asg, cw, ec2, eks, sns]) m.reset();
  eks.on(DescribeNodegroupCommand).resolves({
    nodegroup: { status: 'ACTIVE', resources: { autoScalingGroups: [{ name: 'eks-general' }] } },
  });
  asg.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: 'eks-general',
        MinSize: 1,
        MaxSize: 12,
        DesiredCapacity: 3,
        DefaultCooldown: 300,
        AvailabilityZones: ['us-east-1a'],
        HealthCheckType: 'EC2',
        CreatedTime: new Date('2026-01-01T00:00:00Z'),
        Instances: ['i-a', 'i-b', 'i-c'].map((InstanceId) => ({
          InstanceId,
          LifecycleState: 'InService',
          ProtectedFromScaleIn: false,
          AvailabilityZone: 'us-east-1a',
          HealthStatus: 'Healthy',
        })),
        Tags: [{ Key: 'platform-ops:node-autoscaler:desired', Value: '3@2026-11-01T00:00:00Z' }],
      },
    ],
  });
  asg.on(DescribePoliciesCommand).resolves({ ScalingPolicies: [] });
  asg.on(DescribeScalingActivitiesCommand).resolves({ Activities: [] });
  asg.on(SetDesiredCapacityCommand).resolves({});
  asg.on(CreateOrUpdateTagsCommand).resolves({});
  ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [
      {
        Instances: ['i-a', 'i-b', 'i-c'].map((InstanceId) => ({
          InstanceId,
          PrivateDnsName: `${InstanceId}.ec2.internal`,
          LaunchTime: new Date('2026-11-01T00:00:00Z'),
        })),
      },
    ],
  });
  // Every node at 88 % CPU requests for every minute asked for; memory 30 %; nothing pending.
  cw.on(GetMetricDataCommand).callsFake((input) => {
    const minutes: Date[] = [];
    for (let t = input.StartTime.getTime(); t < input.EndTime.getTime(); t += 60_000) minutes.push(new Date(t));
    return {
      MetricDataResults: input.MetricDataQueries.map((q: any) => {
        const name: string = q.MetricStat.Metric.MetricName;
        const v = name.startsWith('node_cpu')
          ? 88
          : name === 'node_number_of_running_pods'
            ? 12
            : name.startsWith('node_')
              ? 30
              : 0;
        return { Id: q.Id, StatusCode: 'Complete', Timestamps: minutes, Values: minutes.map(() => v) };
      }),
    };
  });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

test('one run through the SDK adapters: scale out, tag, EMF metrics per group, one scaled-out event', async () => {
  const added: [string, number][] = [];
  const addMetric = jest.spyOn(metrics, 'addMetric').mockImplementation((name, _unit, value) => {
    added.push([name, value]);
    return metrics;
  });
  const addDimension = jest.spyOn(metrics, 'addDimension');
  const out = await handler({}, context);
  // n=3 at 88 %: ceil(3·88/57.5) − 3 = 2 → 5
  expect(out.groups).toEqual([{ group: 'general', action: 'scale-out', from: 3, to: 5, applied: true }]);
  expect(asg).toHaveReceivedCommandWith(SetDesiredCapacityCommand, {
    AutoScalingGroupName: 'eks-general',
    DesiredCapacity: 5,
    HonorCooldown: false,
  });
  expect(asg).toHaveReceivedCommandTimes(CreateOrUpdateTagsCommand, 1);
  expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
  expect(addDimension).toHaveBeenCalledWith('group', 'general');
  expect(added).toEqual(
    expect.arrayContaining([
      ['DesiredCapacity', 5],
      ['PressurePercent', 88],
      ['PendingPods', 0],
      ['NodesChanged', 2],
      ['CapacityExhausted', 0],
    ]),
  );
  const message = JSON.parse(sns.commandCalls(PublishCommand)[0].args[0].input.Message as string);
  expect(message).toMatchObject({
    source: 'node-autoscaler',
    kind: 'scaled-out',
    severity: 'info',
    account: '123456789012',
    details: { group: 'general', change: '3 → 5' },
  });
  addMetric.mockRestore();
  addDimension.mockRestore();
});

test('a failed publish is raised after the change and metrics (the function Errors alarm fires)', async () => {
  sns.on(PublishCommand).rejects(new Error('KMS key disabled'));
  await expect(handler({}, context)).rejects.toThrow('publishing ops events failed: scaled-out: KMS key disabled');
  expect(asg).toHaveReceivedCommandTimes(SetDesiredCapacityCommand, 1);
});
