/** Ec2Port over @aws-sdk/client-ec2: node names (private DNS) and launch times of the groups' instances. */
import { type EC2Client, paginateDescribeInstances } from '@aws-sdk/client-ec2';
import type { Ec2Port, InstanceDetails } from '../ports';

/** Instance ids per request, as an `instance-id` filter: an id that no longer exists is left out, not an error. */
const IDS_PER_CALL = 200;

export class Ec2Adapter implements Ec2Port {
  constructor(private readonly client: EC2Client) {}

  async describeInstances(instanceIds: readonly string[]): Promise<ReadonlyMap<string, InstanceDetails>> {
    const out = new Map<string, InstanceDetails>();
    const unique = [...new Set(instanceIds)];
    for (let i = 0; i < unique.length; i += IDS_PER_CALL) {
      const pages = paginateDescribeInstances(
        { client: this.client, pageSize: 1000 },
        { Filters: [{ Name: 'instance-id', Values: unique.slice(i, i + IDS_PER_CALL) }] },
      );
      for await (const page of pages) {
        for (const r of page.Reservations ?? [])
          for (const inst of r.Instances ?? []) {
            if (!inst.InstanceId) continue;
            out.set(inst.InstanceId, {
              ...(inst.PrivateDnsName ? { privateDnsName: inst.PrivateDnsName } : {}),
              ...(inst.LaunchTime ? { launchTime: inst.LaunchTime } : {}),
            });
          }
      }
    }
    return out;
  }
}
