/**
 * A failure that says where it happened and what to do: `<stage>: [<code>: ]<message>; <hint>`. For the CLI (exit 1
 * with this one line) and logs; the environment problems an operator meets first get a hint.
 */
import { awsErrorCode, awsErrorMessage } from './aws-errors';
import { sanitizeText } from './text';

/** A hint for the environment errors of a local AWS run (no region, no credentials, no network), else undefined. */
export function awsEnvironmentHint(err: unknown): string | undefined {
  const text = `${awsErrorCode(err)} ${awsErrorMessage(err)}`;
  if (/Region is missing/i.test(text)) return 'set AWS_REGION (or AWS_PROFILE naming a profile with a region)';
  if (/Could not load credentials|CredentialsProviderError|no credentials/i.test(text))
    return 'set AWS_PROFILE or AWS credentials (aws sso login, aws configure)';
  if (/ExpiredToken|token.*expired|session.*expired/i.test(text))
    return 'the credentials expired: log in again (aws sso login) or refresh them';
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|timed out/i.test(text))
    return 'the AWS endpoint could not be reached: check the network, a proxy, or AWS_ENDPOINT_URL* variables';
  if (/InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClient/i.test(text))
    return 'the credentials were rejected: check AWS_PROFILE or the access keys';
  return undefined;
}

export class StageError extends Error {
  override readonly name = 'StageError';
  constructor(
    readonly stage: string,
    override readonly cause: unknown,
    readonly hint: string | undefined = awsEnvironmentHint(cause),
  ) {
    const code = awsErrorCode(cause);
    const what = code === 'Error' ? awsErrorMessage(cause) : `${code}: ${awsErrorMessage(cause)}`;
    super(sanitizeText(`${stage}: ${what}${hint ? `; ${hint}` : ''}`, { max: 600 }));
  }
}

/** Runs one stage; its failure becomes a StageError naming it. */
export async function inStage<T>(stage: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw err instanceof StageError ? err : new StageError(stage, err);
  }
}
