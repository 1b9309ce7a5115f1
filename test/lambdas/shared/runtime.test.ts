import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import * as z from 'zod';
import { awsClientConfig, createAwsClient } from '../../../lambdas/shared/aws-clients';
import { resolveDryRun } from '../../../lambdas/shared/dry-run';
import { EnvConfigError, envField, parseEnv } from '../../../lambdas/shared/env';
import {
  MAX_OPS_EVENT_BYTES,
  OpsEventPublisher,
  buildOpsEvent,
  opsEventSubject,
  parseOpsEvent,
  serializeOpsEvent,
} from '../../../lambdas/shared/ops-event';
import { accountFromArn, makeDeadline } from '../../../lambdas/shared/run-context';

const context = { account: '123456789012', region: 'eu-west-1', now: new Date('2026-11-21T10:00:00Z') };

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

describe('resolveDryRun', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['true', true],
    ['false', false],
  ])('%p → dry run %p', (raw, expected) => expect(resolveDryRun(raw)).toBe(expected));

  it.each(['False', '0', 'no', 'off'])('refuses to guess on %p', (raw) => {
    expect(() => resolveDryRun(raw, 'DRY_RUN')).toThrow(/DRY_RUN must be "true" or "false"/);
  });
});

describe('ops events', () => {
  it('builds a valid event with account, region and time from the run context', () => {
    const event = buildOpsEvent(
      {
        source: 'backup-pruner',
        kind: 'prune-planned',
        severity: 'info',
        summary: 'Would delete 3 backups',
        details: { n: 3 },
      },
      context,
    );
    expect(event).toEqual({
      source: 'backup-pruner',
      kind: 'prune-planned',
      severity: 'info',
      summary: 'Would delete 3 backups',
      details: { n: 3 },
      account: '123456789012',
      region: 'eu-west-1',
      time: '2026-11-21T10:00:00.000Z',
    });
    expect(parseOpsEvent(JSON.parse(serializeOpsEvent(event)))).toEqual(event);
  });

  it('rejects a bad severity or kind, naming the field', () => {
    expect(() => buildOpsEvent({ source: 'x', kind: 'ok', severity: 'fatal' as never, summary: 's' }, context)).toThrow(
      /severity/,
    );
    expect(() => buildOpsEvent({ source: 'x', kind: 'Has Spaces', severity: 'info', summary: 's' }, context)).toThrow(
      /kind/,
    );
  });

  it('does not mistake other JSON for an ops event', () => {
    expect(parseOpsEvent({ AlarmName: 'x', NewStateValue: 'ALARM' })).toBeUndefined();
    expect(parseOpsEvent('text')).toBeUndefined();
  });

  it('cuts a long summary and replaces oversized details so the message fits SNS', () => {
    const event = buildOpsEvent(
      {
        source: 'ebs-audit',
        kind: 'report',
        severity: 'warning',
        summary: 'x'.repeat(800),
        details: { rows: 'y'.repeat(300_000) },
      },
      context,
    );
    expect(event.summary).toHaveLength(500);
    const body = serializeOpsEvent(event);
    expect(Buffer.byteLength(body)).toBeLessThan(MAX_OPS_EVENT_BYTES);
    const parsed = JSON.parse(body);
    expect(parsed.details).toMatchObject({ truncated: true, keys: ['rows'] });
    expect(parsed.summary).toBe(event.summary);
  });

  it('publishes with a safe subject and filterable attributes', async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const event = buildOpsEvent(
      { source: 'ebs-audit', kind: 'report', severity: 'critical', summary: 'über' },
      context,
    );
    const id = await new OpsEventPublisher(new SNSClient({}), 'arn:aws:sns:eu-west-1:123456789012:ops').publish(event);
    expect(id).toBe('m-1');
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops',
      Subject: '[CRITICAL] ebs-audit: report',
      MessageAttributes: expect.objectContaining({ severity: { DataType: 'String', StringValue: 'critical' } }),
    });
    expect(opsEventSubject({ ...event, kind: 'x'.repeat(200) })).toHaveLength(100);
    sns.restore();
  });
});

describe('AWS client factory', () => {
  it('sets adaptive retry, bounded attempts and overrides', async () => {
    const config = awsClientConfig({ region: 'eu-central-1', endpoint: 'http://127.0.0.1:9000', maxAttempts: 3 });
    expect(config).toMatchObject({
      region: 'eu-central-1',
      endpoint: 'http://127.0.0.1:9000',
      maxAttempts: 3,
      retryMode: 'adaptive',
    });
    const client = createAwsClient(SNSClient, { region: 'eu-central-1', maxAttempts: 2 });
    expect(await client.config.maxAttempts()).toBe(2);
    expect(await client.config.region()).toBe('eu-central-1');
  });

  it('refuses unbounded attempts', () => {
    expect(() => awsClientConfig({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => awsClientConfig({ maxAttempts: 50 })).toThrow(/maxAttempts/);
  });
});

describe('run context', () => {
  it('takes the account from a function ARN', () => {
    expect(accountFromArn('arn:aws:lambda:eu-west-1:123456789012:function:f')).toBe('123456789012');
    expect(accountFromArn(undefined)).toBe('unknown');
  });

  it('signals the deadline when the remaining time falls to the reserve', () => {
    let remaining = 60_000;
    const pastDeadline = makeDeadline(() => remaining, 20_000);
    expect(pastDeadline()).toBe(false);
    remaining = 20_000;
    expect(pastDeadline()).toBe(true);
  });
});
