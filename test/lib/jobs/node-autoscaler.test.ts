import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { buildPlatformOps } from '../../../lib/app';
import { ConfigError, parseConfig, type PlatformOpsConfig } from '../../../lib/config';
import { NodeAutoscalerStack } from '../../../lib/jobs/node-autoscaler';
import { exampleConfig, nagViolations, testApp } from '../infra-helpers';

const ENV = { region: 'eu-west-1', account: '123456789012' };
const TAG = 'platform-ops:node-autoscaler:desired';

function build(mutate: (raw: any) => void = () => undefined, env: typeof ENV | undefined = ENV) {
  const raw = JSON.parse(JSON.stringify(exampleConfig())) as any;
  mutate(raw);
  const config: PlatformOpsConfig = parseConfig(raw);
  const app = testApp();
  const topicStack = new Stack(app, 'Topics', { env });
  const opsTopic = new sns.Topic(topicStack, 'Ops', { enforceSSL: true });
  const stack = new NodeAutoscalerStack(app, 'nas', {
    suite: { name: config.name, env: config.env, defaults: config.defaults },
    job: config.jobs.nodeAutoscaler!,
    opsTopic,
    env,
  });
  return { stack, template: Template.fromStack(stack), config };
}

function statements(template: Template): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p: any) => p.Properties.PolicyDocument.Statement,
  );
}

describe('NodeAutoscalerStack', () => {
  it('runs every minute, one at a time, never retried by Lambda, dry-run config in JOB_CONFIG', () => {
    const { template, config } = build();
    expect(config.jobs.nodeAutoscaler?.dryRun).toBe(true);
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          JOB_CONFIG: JSON.stringify(config.jobs.nodeAutoscaler),
          POWERTOOLS_SERVICE_NAME: 'node-autoscaler',
        }),
      },
      Timeout: 50,
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
  });

  it('resizes only the configured groups: the self-managed ASG by name, the managed one by its EKS tags', () => {
    const s = statements(build().template);
    const bySid = Object.fromEntries(s.filter((x) => x.Sid).map((x) => [x.Sid, x]));
    const scaling = [
      'autoscaling:CreateOrUpdateTags',
      'autoscaling:SetDesiredCapacity',
      'autoscaling:TerminateInstanceInAutoScalingGroup',
    ];
    const asgArn = (name: string) =>
      `arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:*:autoScalingGroupName/${name}`;
    expect(bySid.ResizeSelfManagedGroups).toEqual({
      Sid: 'ResizeSelfManagedGroups',
      Effect: 'Allow',
      Action: scaling,
      Resource: asgArn('prod-batch-nodes'),
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [TAG] } },
    });
    expect(bySid.ResizeManagedNodeGroup0).toEqual({
      Sid: 'ResizeManagedNodeGroup0',
      Effect: 'Allow',
      Action: scaling,
      Resource: asgArn('eks-general-*'),
      Condition: {
        StringEquals: {
          'autoscaling:ResourceTag/eks:cluster-name': 'prod',
          'autoscaling:ResourceTag/eks:nodegroup-name': 'general',
        },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [TAG] },
      },
    });
    expect(bySid.DescribeManagedNodeGroups).toEqual({
      Sid: 'DescribeManagedNodeGroups',
      Effect: 'Allow',
      Action: 'eks:DescribeNodegroup',
      Resource: 'arn:aws:eks:eu-west-1:123456789012:nodegroup/prod/general/*',
    });
    expect(bySid.ReadGroupsAndSignals).toMatchObject({ Resource: '*' });
    expect(bySid.ReadGroupsAndSignals.Action).toEqual([
      'autoscaling:DescribeAutoScalingGroups',
      'autoscaling:DescribePolicies',
      'autoscaling:DescribeScalingActivities',
      'cloudwatch:GetMetricData',
      'ec2:DescribeInstances',
    ]);
    // No write action anywhere on "*".
    for (const st of s.filter((x) => x.Resource === '*'))
      expect(JSON.stringify(st.Action)).not.toMatch(/SetDesired|Terminate|CreateOrUpdateTags/);
  });

  it('only self-managed groups: no EKS permission at all', () => {
    const s = statements(build((raw) => raw.jobs.nodeAutoscaler.groups.splice(0, 1)).template);
    expect(JSON.stringify(s)).not.toContain('eks:');
    expect(s.some((x) => x.Sid?.startsWith('ResizeManaged'))).toBe(false);
  });

  it('per group: capacity exhausted for 15 minutes and 5 minutes of read failures alarm the ops topic', () => {
    const { template } = build();
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3 + 2 * 2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'PlatformOps',
      MetricName: 'CapacityExhausted',
      Dimensions: Match.arrayWith([
        { Name: 'group', Value: 'general' },
        { Name: 'service', Value: 'node-autoscaler' },
      ]),
      Period: 60,
      Statistic: 'Maximum',
      EvaluationPeriods: 15,
      DatapointsToAlarm: 15,
      Threshold: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [Match.anyValue()],
      OKActions: [Match.anyValue()],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'GroupErrors',
      Dimensions: Match.arrayWith([{ Name: 'group', Value: 'batch' }]),
      EvaluationPeriods: 5,
    });
  });

  it('is cdk-nag clean with or without a known account and region', () => {
    expect(nagViolations(build().stack)).toEqual([]);
    expect(nagViolations(build(undefined, undefined as never).stack)).toEqual([]);
  });

  it('is deployed by the registry when enabled, and not when disabled', () => {
    const app = testApp();
    buildPlatformOps(app, exampleConfig());
    expect(app.node.tryFindChild('platform-ops-node-autoscaler')).toBeInstanceOf(NodeAutoscalerStack);
    const off = testApp();
    const raw = JSON.parse(JSON.stringify(exampleConfig()));
    raw.jobs.nodeAutoscaler.enabled = false;
    buildPlatformOps(off, parseConfig(raw));
    expect(off.node.tryFindChild('platform-ops-node-autoscaler')).toBeUndefined();
  });
});

describe('synth-time config errors name the field', () => {
  it.each([
    [(g: any) => (g.minSize = 10), 'jobs.nodeAutoscaler.groups[0].minSize'],
    [(g: any) => (g.scaleOut = { cpuPercent: 30 }), 'jobs.nodeAutoscaler.groups[0].scaleOut.cpuPercent'],
    [(g: any) => (g.autoScalingGroup = 'x'), 'jobs.nodeAutoscaler.groups[0].autoScalingGroup'],
  ])('%#', (mutate, path) => {
    const raw = JSON.parse(JSON.stringify(exampleConfig()));
    mutate(raw.jobs.nodeAutoscaler.groups[0]);
    try {
      parseConfig(raw);
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).issues.map((i) => i.path)).toContain(path);
    }
  });

  it('pendingPods twice in one cluster', () => {
    const raw = JSON.parse(JSON.stringify(exampleConfig()));
    raw.jobs.nodeAutoscaler.groups[1].pendingPods = true;
    expect(() => parseConfig(raw)).toThrow(/jobs\.nodeAutoscaler\.groups\[1\]\.pendingPods: groups\[0\] already grows/);
  });
});
