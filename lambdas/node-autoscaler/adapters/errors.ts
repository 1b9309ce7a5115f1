/** "Another change is in flight" answers of Auto Scaling and EKS: a hold, not an error. */
import { awsErrorCode } from '../../shared/aws-errors';

const BUSY = /^(ScalingActivityInProgress|ResourceContention|ResourceInUse)(Fault|Exception)?$/;

export function busyCode(err: unknown): string | undefined {
  const code = awsErrorCode(err);
  return BUSY.test(code) ? code : undefined;
}
