/** The real ports, built once per module with the house client settings (deadlines, bounded retries). */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { type AwsClientOptions, createAwsClient } from '../../shared/aws-clients';
import type { NodeAutoscalerPorts } from '../ports';
import { AutoScalingAdapter } from './auto-scaling';
import { CloudWatchMetricsAdapter } from './cloudwatch';
import { Ec2Adapter } from './ec2';
import { EksAdapter } from './eks';

/** A run has a minute: every call gets a short deadline and few attempts. */
export const NODE_AUTOSCALER_CLIENT_OPTIONS = {
  maxAttempts: 3,
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 8_000,
  callTimeoutMs: 15_000,
};

export function sdkPorts(options: AwsClientOptions = {}): NodeAutoscalerPorts {
  const opts = { ...NODE_AUTOSCALER_CLIENT_OPTIONS, ...options };
  return {
    autoScaling: new AutoScalingAdapter(createAwsClient(AutoScalingClient, opts)),
    eks: new EksAdapter(createAwsClient(EKSClient, opts)),
    ec2: new Ec2Adapter(createAwsClient(EC2Client, opts)),
    metrics: new CloudWatchMetricsAdapter(createAwsClient(CloudWatchClient, opts)),
  };
}
