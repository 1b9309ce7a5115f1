/** Shared test helpers for the ebs-audit tests that drive mocked AWS clients. */

/** The account a mocked client acts for: its access key is `ASIA<account>` (assumed) or the home test key. */
export async function whoAndWhere(
  getClient: () => { config: unknown },
  homeAccount: string,
): Promise<{ account: string; region: string }> {
  const config = getClient().config as unknown as {
    region: () => Promise<string>;
    credentials: () => Promise<{ accessKeyId: string }>;
  };
  const region = await config.region();
  const { accessKeyId } = await config.credentials();
  return { account: accessKeyId.startsWith('ASIA') ? accessKeyId.slice(4) : homeAccount, region };
}

export function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: {} });
}
