import type { StackProps } from 'aws-cdk-lib';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { PlatformOpsConfig } from '../config';

/** What every job stack receives: the whole validated config and the ops-events topic. */
export interface JobStackProps extends StackProps {
  readonly config: PlatformOpsConfig;
  readonly opsTopic: sns.ITopic;
}
