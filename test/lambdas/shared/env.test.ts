import * as z from '../../../lambdas/shared/zod';
import { EnvConfigError, envField, parseEnv } from '../../../lambdas/shared/env';

describe('parseEnv', () => {
  const schema = z.object({
    TOPIC_ARN: envField.arn(),
    BATCH: envField.positiveInt(),
    DRY: envField.boolean(),
    JOB_CONFIG: envField.json(z.object({ bucket: z.string() })),
  });

  it('parses and converts valid values', () => {
    expect(
      parseEnv(schema, {
        TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:t',
        BATCH: '500',
        DRY: 'false',
        JOB_CONFIG: '{"bucket":"b"}',
      }),
    ).toEqual({
      TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:t',
      BATCH: 500,
      DRY: false,
      JOB_CONFIG: { bucket: 'b' },
    });
  });

  it('names every missing or malformed variable', () => {
    let error: unknown;
    try {
      parseEnv(schema, { BATCH: '-3', DRY: 'yes', JOB_CONFIG: '{"bucket":' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EnvConfigError);
    const problems = (error as EnvConfigError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        'TOPIC_ARN is not set',
        expect.stringMatching(/^BATCH: must be a positive integer/),
        expect.stringMatching(/^DRY: must be "true" or "false"/),
        expect.stringMatching(/^JOB_CONFIG: must be valid JSON/),
      ]),
    );
  });

  it('names the nested field of a JSON variable', () => {
    expect(() =>
      parseEnv(schema, { TOPIC_ARN: 'arn:aws:sns:x:1:t', BATCH: '1', DRY: 'true', JOB_CONFIG: '{"bucket":3}' }),
    ).toThrow(/JOB_CONFIG\.bucket/);
  });
});
