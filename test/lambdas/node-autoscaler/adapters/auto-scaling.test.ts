import {
  AutoScalingClient,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DescribePoliciesCommand,
  DescribeScalingActivitiesCommand,
  ResourceContentionFault,
  ScalingActivityInProgressFault,
  SetDesiredCapacityCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AutoScalingAdapter } from '../../../../lambdas/node-autoscaler/adapters/auto-scaling';

const asg = mockClient(AutoScalingClient);
beforeEach(() => asg.reset());
const adapter = () => new AutoScalingAdapter(new AutoScalingClient({ region: 'eu-west-1' }));

test('DescribeAutoScalingGroups: names in batches of 50, every page followed, instances and tags mapped', async () => {
  const names = Array.from({ length: 60 }, (_, i) => `asg-${i}`);
  const sent: any[] = [];
  asg.on(DescribeAutoScalingGroupsCommand).callsFake((input) => {
    sent.push(structuredClone(input));
    const batch: string[] = input.AutoScalingGroupNames;
    const first = !input.NextToken;
    const groups = (first ? batch.slice(0, 2) : batch.slice(2)).map((n) => ({
      AutoScalingGroupName: n,
      MinSize: 1,
      MaxSize: 9,
      DesiredCapacity: 3,
      Instances: [
        { InstanceId: `i-${n}`, LifecycleState: 'InService', ProtectedFromScaleIn: n === 'asg-1' },
        { LifecycleState: 'Pending' }, // no id: skipped
      ],
      Tags: [{ Key: 'platform-ops:node-autoscaler:desired', Value: '3@2026-12-01T10:00:00Z' }],
    }));
    return { AutoScalingGroups: groups, NextToken: first ? 'page2' : undefined };
  });
  const out = await adapter().describeGroups([...names, 'asg-0']);
  expect(out.size).toBe(60);
  expect(sent.map((s) => [s.AutoScalingGroupNames.length, s.NextToken])).toEqual([
    [50, undefined],
    [50, 'page2'],
    [10, undefined],
    [10, 'page2'],
  ]);
  expect(out.get('asg-1')).toEqual({
    name: 'asg-1',
    minSize: 1,
    maxSize: 9,
    desired: 3,
    instances: [{ instanceId: 'i-asg-1', lifecycleState: 'InService', protectedFromScaleIn: true }],
    tags: { 'platform-ops:node-autoscaler:desired': '3@2026-12-01T10:00:00Z' },
  });
});

test('policies are listed across pages; activities newest first with their times', async () => {
  asg
    .on(DescribePoliciesCommand)
    .resolvesOnce({ ScalingPolicies: [{ PolicyName: 'tt', PolicyType: 'TargetTrackingScaling' }], NextToken: 'n' })
    .resolvesOnce({ ScalingPolicies: [{ PolicyName: 'step', PolicyType: 'StepScaling' }] });
  expect(await adapter().describePolicies('g')).toEqual([
    { name: 'tt', type: 'TargetTrackingScaling' },
    { name: 'step', type: 'StepScaling' },
  ]);
  const start = new Date('2026-12-01T10:00:00Z');
  asg.on(DescribeScalingActivitiesCommand).resolves({
    Activities: [
      {
        ActivityId: 'a',
        AutoScalingGroupName: 'g',
        Cause: 'c',
        StartTime: start,
        StatusCode: 'InProgress',
        Description: 'Launching',
      },
      {
        ActivityId: 'b',
        AutoScalingGroupName: 'g',
        Cause: 'c',
        StartTime: start,
        EndTime: start,
        StatusCode: 'Successful',
      },
    ],
  });
  expect(await adapter().describeRecentActivities('g')).toEqual([
    { statusCode: 'InProgress', startTime: start, description: 'Launching' },
    { statusCode: 'Successful', startTime: start, endTime: start },
  ]);
  expect(asg).toHaveReceivedCommandWith(DescribeScalingActivitiesCommand, {
    AutoScalingGroupName: 'g',
    MaxRecords: 10,
  });
});

test('SetDesiredCapacity never honours the ASG cooldown; busy answers are holds, other errors are thrown', async () => {
  asg.on(SetDesiredCapacityCommand).resolvesOnce({});
  expect(await adapter().setDesiredCapacity('g', 6)).toBeUndefined();
  expect(asg).toHaveReceivedCommandWith(SetDesiredCapacityCommand, {
    AutoScalingGroupName: 'g',
    DesiredCapacity: 6,
    HonorCooldown: false,
  });
  asg.reset(); // a fresh sequence of answers
  asg
    .on(SetDesiredCapacityCommand)
    .rejectsOnce(new ScalingActivityInProgressFault({ message: 'in progress', $metadata: {} }))
    .rejectsOnce(new ResourceContentionFault({ message: 'contention', $metadata: {} }))
    .rejectsOnce(Object.assign(new Error('bad'), { name: 'ValidationError' }));
  expect(await adapter().setDesiredCapacity('g', 6)).toEqual({ busy: true, code: 'ScalingActivityInProgressFault' });
  expect(await adapter().setDesiredCapacity('g', 6)).toEqual({ busy: true, code: 'ResourceContentionFault' });
  await expect(adapter().setDesiredCapacity('g', 6)).rejects.toThrow('bad');
});

test('terminate decrements desired; the tag is not propagated to instances', async () => {
  asg.on(TerminateInstanceInAutoScalingGroupCommand).resolves({});
  asg.on(CreateOrUpdateTagsCommand).resolves({});
  await adapter().terminateInstance('i-1');
  expect(asg).toHaveReceivedCommandWith(TerminateInstanceInAutoScalingGroupCommand, {
    InstanceId: 'i-1',
    ShouldDecrementDesiredCapacity: true,
  });
  await adapter().writeTag('g', 'k', '5@2026-12-01T10:00:00Z');
  expect(asg).toHaveReceivedCommandWith(CreateOrUpdateTagsCommand, {
    Tags: [
      {
        ResourceId: 'g',
        ResourceType: 'auto-scaling-group',
        Key: 'k',
        Value: '5@2026-12-01T10:00:00Z',
        PropagateAtLaunch: false,
      },
    ],
  });
});

test('activities since a time: pages are read until an older activity shows up', async () => {
  const at = (m: number) => new Date(Date.UTC(2026, 11, 1, 10, m));
  asg
    .on(DescribeScalingActivitiesCommand)
    .resolvesOnce({
      Activities: [
        {
          ActivityId: 'a',
          AutoScalingGroupName: 'g',
          Cause: 'c',
          StartTime: at(50),
          StatusCode: 'Successful',
          Description: 'Launching a new EC2 instance: i-0a',
        },
      ],
      NextToken: 'p2',
    })
    .resolvesOnce({
      Activities: [
        { ActivityId: 'b', AutoScalingGroupName: 'g', Cause: 'c', StartTime: at(20), StatusCode: 'Successful' },
        { ActivityId: 'c', AutoScalingGroupName: 'g', Cause: 'c', StartTime: at(5), StatusCode: 'Successful' },
      ],
      NextToken: 'p3',
    })
    .resolvesOnce({ Activities: [] });
  const out = await adapter().describeActivitiesSince('g', at(10));
  expect(out.map((a) => a.startTime)).toEqual([at(50), at(20)]);
  expect(asg).toHaveReceivedCommandTimes(DescribeScalingActivitiesCommand, 2);
});
