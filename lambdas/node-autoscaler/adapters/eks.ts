/** EksPort over @aws-sdk/client-eks. */
import { DescribeNodegroupCommand, type EKSClient } from '@aws-sdk/client-eks';
import type { EksPort, NodegroupDescription } from '../ports';

export class EksAdapter implements EksPort {
  constructor(private readonly client: EKSClient) {}

  async describeNodegroup(cluster: string, nodeGroup: string): Promise<NodegroupDescription> {
    const out = await this.client.send(
      new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: nodeGroup }),
    );
    const ng = out.nodegroup;
    return {
      status: String(ng?.status ?? 'unknown'),
      autoScalingGroups: (ng?.resources?.autoScalingGroups ?? []).flatMap((g) => (g.name ? [g.name] : [])),
    };
  }
}
