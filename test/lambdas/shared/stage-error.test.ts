import { awsEnvironmentHint, inStage, StageError } from '../../../lambdas/shared/stage-error';

const named = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('StageError', () => {
  it.each([
    [new Error('Region is missing'), /set AWS_REGION/],
    [named('CredentialsProviderError', 'Could not load credentials from any providers'), /set AWS_PROFILE/],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }), /could not be reached/],
    [named('ExpiredToken', 'The security token included in the request is expired'), /expired/],
    [named('InvalidClientTokenId', 'The security token included in the request is invalid.'), /rejected/],
  ])('%s → a hint', (err, hint) => {
    expect(awsEnvironmentHint(err)).toMatch(hint);
  });

  it('names the stage, the code and the message on one sanitised line', async () => {
    const err = await inStage('identity', () => Promise.reject(new Error('Region is missing\u202e\nx'))).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StageError);
    expect((err as Error).message).toBe(
      'identity: Region is missing  x; set AWS_REGION (or AWS_PROFILE naming a profile with a region)',
    );
  });

  it('no hint for an error the operator cannot fix by environment', () => {
    expect(new StageError('scan', named('AccessDenied', 'no')).message).toBe('scan: AccessDenied: no');
  });
});
