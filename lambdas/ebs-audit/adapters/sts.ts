/** Port adapter: STS (entering a member account through its audit role). */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';

export interface AssumeRoleInput {
  readonly account: string;
  readonly roleName: string;
  readonly externalId?: string;
  readonly sessionName: string;
  readonly partition?: string;
}

/** RoleSessionName: 2-64 of [\w+=,.@-]; the run id is cut so the name always fits. */
export function auditSessionName(runId: string): string {
  const prefix = 'platform-ops-ebs-audit-';
  return (prefix + runId.replace(/[^\w+=,.@-]/g, '')).slice(0, 64);
}

/** Enters a member account. Called once per account; the credentials serve every region (regional-STS tokens). */
export async function assumeMemberRole(client: STSClient, input: AssumeRoleInput): Promise<AwsCredentialIdentity> {
  const out = await client.send(
    new AssumeRoleCommand({
      RoleArn: `arn:${input.partition ?? 'aws'}:iam::${input.account}:role/${input.roleName}`,
      RoleSessionName: input.sessionName,
      ...(input.externalId ? { ExternalId: input.externalId } : {}),
      DurationSeconds: 3600,
    }),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
  };
}
