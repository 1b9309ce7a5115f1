/** AutoScalingPort over @aws-sdk/client-auto-scaling: paginated describes, busy answers mapped to holds. */
import {
  type AutoScalingClient,
  CreateOrUpdateTagsCommand,
  DescribeScalingActivitiesCommand,
  paginateDescribeAutoScalingGroups,
  paginateDescribePolicies,
  paginateDescribeScalingActivities,
  SetDesiredCapacityCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import type { AutoScalingGroupDescription, AutoScalingPort, BusyAnswer } from '../ports';
import type { ActivityState } from '../types';
import { busyCode } from './errors';

/** Names per DescribeAutoScalingGroups request (the API takes up to MaxRecords = 100). */
const NAMES_PER_CALL = 50;
/** Activities read per group: enough to see one in flight and the last one that ended. */
const ACTIVITIES_READ = 10;

export class AutoScalingAdapter implements AutoScalingPort {
  constructor(private readonly client: AutoScalingClient) {}

  async describeGroups(names: readonly string[]): Promise<ReadonlyMap<string, AutoScalingGroupDescription>> {
    const out = new Map<string, AutoScalingGroupDescription>();
    const unique = [...new Set(names)];
    for (let i = 0; i < unique.length; i += NAMES_PER_CALL) {
      const pages = paginateDescribeAutoScalingGroups(
        { client: this.client, pageSize: 100 },
        { AutoScalingGroupNames: unique.slice(i, i + NAMES_PER_CALL) },
      );
      for await (const page of pages) {
        for (const g of page.AutoScalingGroups ?? []) {
          if (!g.AutoScalingGroupName) continue;
          out.set(g.AutoScalingGroupName, {
            name: g.AutoScalingGroupName,
            minSize: g.MinSize ?? 0,
            maxSize: g.MaxSize ?? 0,
            desired: g.DesiredCapacity ?? 0,
            ...(g.Status ? { status: g.Status } : {}),
            instances: (g.Instances ?? []).flatMap((inst) =>
              inst.InstanceId
                ? [
                    {
                      instanceId: inst.InstanceId,
                      lifecycleState: String(inst.LifecycleState ?? 'unknown'),
                      protectedFromScaleIn: inst.ProtectedFromScaleIn === true,
                    },
                  ]
                : [],
            ),
            tags: Object.fromEntries((g.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : []))),
          });
        }
      }
    }
    return out;
  }

  async describePolicies(groupName: string): Promise<readonly { name: string; type: string }[]> {
    const out: { name: string; type: string }[] = [];
    for await (const page of paginateDescribePolicies({ client: this.client }, { AutoScalingGroupName: groupName })) {
      for (const p of page.ScalingPolicies ?? [])
        out.push({ name: p.PolicyName ?? '(unnamed)', type: p.PolicyType ?? 'SimpleScaling' });
    }
    return out;
  }

  async describeRecentActivities(groupName: string): Promise<readonly ActivityState[]> {
    const page = await this.client.send(
      new DescribeScalingActivitiesCommand({ AutoScalingGroupName: groupName, MaxRecords: ACTIVITIES_READ }),
    );
    return (page.Activities ?? []).flatMap((a) =>
      a.StartTime
        ? [
            {
              statusCode: String(a.StatusCode ?? 'unknown'),
              startTime: a.StartTime,
              ...(a.EndTime ? { endTime: a.EndTime } : {}),
              ...(a.Description ? { description: a.Description } : {}),
            },
          ]
        : [],
    );
  }

  async describeActivitiesSince(groupName: string, since: Date): Promise<readonly ActivityState[]> {
    const out: ActivityState[] = [];
    const pages = paginateDescribeScalingActivities(
      { client: this.client, pageSize: 100 },
      { AutoScalingGroupName: groupName },
    );
    for await (const page of pages) {
      let older = false;
      for (const a of page.Activities ?? []) {
        if (!a.StartTime) continue;
        if (a.StartTime < since) older = true;
        else
          out.push({
            statusCode: String(a.StatusCode ?? 'unknown'),
            startTime: a.StartTime,
            ...(a.EndTime ? { endTime: a.EndTime } : {}),
            ...(a.Description ? { description: a.Description } : {}),
          });
      }
      if (older) break; // activities come newest first: the rest are older still
    }
    return out;
  }

  async setDesiredCapacity(groupName: string, desired: number): Promise<BusyAnswer | undefined> {
    try {
      await this.client.send(
        new SetDesiredCapacityCommand({
          AutoScalingGroupName: groupName,
          DesiredCapacity: desired,
          HonorCooldown: false,
        }),
      );
      return undefined;
    } catch (err) {
      const code = busyCode(err);
      if (code) return { busy: true, code };
      throw err;
    }
  }

  async terminateInstance(instanceId: string): Promise<BusyAnswer | undefined> {
    try {
      await this.client.send(
        new TerminateInstanceInAutoScalingGroupCommand({
          InstanceId: instanceId,
          ShouldDecrementDesiredCapacity: true,
        }),
      );
      return undefined;
    } catch (err) {
      const code = busyCode(err);
      if (code) return { busy: true, code };
      throw err;
    }
  }

  async writeTag(groupName: string, key: string, value: string): Promise<void> {
    await this.client.send(
      new CreateOrUpdateTagsCommand({
        Tags: [
          {
            ResourceId: groupName,
            ResourceType: 'auto-scaling-group',
            Key: key,
            Value: value,
            PropagateAtLaunch: false,
          },
        ],
      }),
    );
  }
}
