import type * as CloudWatchModule from '@aws-sdk/client-cloudwatch';
import type * as Ec2Module from '@aws-sdk/client-ec2';
import type * as S3Module from '@aws-sdk/client-s3';
import type * as SnsModule from '@aws-sdk/client-sns';
import type * as ClientMockModule from 'aws-sdk-client-mock';
import type * as PowertoolsModule from '../../../lambdas/shared/powertools';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTagsCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ebsAuditConfig } from '../../../lambdas/ebs-audit/config';
import { ebsRegionProducts, US_EAST_1 } from '../../doubles/ebs-audit-price-list';

const ec2Mock = mockClient(EC2Client);
const cwMock = mockClient(CloudWatchClient);
const s3Mock = mockClient(S3Client);
const snsMock = mockClient(SNSClient);
const stsMock = mockClient(STSClient);
const pricingMock = mockClient(PricingClient);

const HOME = '123456789012';
const TOPIC = `arn:aws:sns:us-east-1:${HOME}:ops-events`;
const context = {
  awsRequestId: 'req-1',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:${HOME}:function:platform-ops-ebs-audit`,
  getRemainingTimeInMillis: () => 600_000,
} as unknown as Context;

type Handler = (event: unknown, context: Context) => Promise<Record<string, unknown>>;
type Powertools = typeof PowertoolsModule;
let handler: Handler;

beforeAll(() => {
  // The handler parses its environment once, at module scope, as in Lambda. Actions are on, in dry-run (the default).
  process.env.JOB_CONFIG = JSON.stringify(
    ebsAuditConfig.parse({
      enabled: true,
      accounts: [HOME],
      regions: ['us-east-1'],
      actions: { mark: true, delete: true },
    }),
  );
  process.env.REPORT_BUCKET = 'reports-bucket';
  process.env.OPS_TOPIC_ARN = TOPIC;
  handler = jest.requireActual<{ handler: Handler }>('../../../lambdas/ebs-audit/handler').handler;
});
afterAll(() => {
  delete process.env.JOB_CONFIG;
  delete process.env.REPORT_BUCKET;
  delete process.env.OPS_TOPIC_ARN;
});

beforeEach(() => {
  for (const m of [ec2Mock, cwMock, s3Mock, snsMock, stsMock, pricingMock]) m.reset();
  pricingMock.on(GetProductsCommand).resolves({ PriceList: ebsRegionProducts('us-east-1', '', US_EAST_1) });
  s3Mock.on(PutObjectCommand).resolves({});
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  ec2Mock.on(DescribeVolumesCommand).callsFake((input) =>
    input.Filters?.[0]?.Name === 'tag-key'
      ? { Volumes: [] }
      : {
          Volumes: [
            {
              VolumeId: 'vol-a',
              VolumeType: 'gp3',
              Size: 1000,
              Iops: 3000,
              Throughput: 125,
              State: 'available',
              Tags: [{ Key: 'Name', Value: 'old, "data"' }],
            },
            { VolumeId: 'vol-b', VolumeType: 'sc1', Size: 500, State: 'available', Tags: [] },
          ],
        },
  );
  cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
});

test('writes the dated CSV and JSON report and publishes one ops event summarising it', async () => {
  const out = await handler({}, context);

  // 1000 GiB gp3 × 0.08 + 500 GiB sc1 × 0.015 = 80 + 7.5
  expect(out).toMatchObject({ volumes: 2, totalMonthlyCostUsd: 87.5, notAudited: 0 });
  expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 0); // home account: own role
  const puts = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
  const dated = /^ebs-audit\/\d{4}-\d{2}-\d{2}\/ebs-audit-\d{8}T\d{6}Z/;
  expect(puts.map((p) => p.Key)).toEqual([
    expect.stringMatching(new RegExp(`${dated.source}\\.csv$`)),
    expect.stringMatching(new RegExp(`${dated.source}\\.json$`)),
    expect.stringMatching(new RegExp(`${dated.source}-actions\\.json$`)),
  ]);
  expect(puts.every((p) => p.Bucket === 'reports-bucket')).toBe(true);
  expect(String(puts[0].Body)).toContain('"old, ""data"""');
  expect(puts[0].ContentType).toBe('text/csv; charset=utf-8');
  const json = JSON.parse(String(puts[1].Body));
  expect(json.summary.totalMonthlyCostUsd).toBe(87.5);
  // Priced live (the default source); a warm container would reuse the answer, this is the first invocation.
  expect(pricingMock).toHaveReceivedCommandTimes(GetProductsCommand, 1);
  expect(json.volumes.map((v: { priceSource: string }) => v.priceSource)).toEqual(['price-list-api', 'price-list-api']);
  expect(json.pricing).toEqual([expect.objectContaining({ region: 'us-east-1', priceSource: 'price-list-api' })]);
  expect(json.actionPlan.mark).toHaveLength(2); // the plan is in the report, written before acting

  expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
  const message = JSON.parse(snsMock.commandCalls(PublishCommand)[0].args[0].input.Message ?? '{}');
  expect(message).toMatchObject({
    source: 'ebs-audit',
    kind: 'audit-report',
    severity: 'info',
    account: HOME,
    details: {
      volumeCount: 2,
      totalMonthlyCostUsd: 87.5,
      notAudited: [],
      priceSources: { 'price-list-api': 1, 'built-in': 0, none: 0 },
      pricesNotLive: [],
    },
  });
  expect(message.summary).toMatch(
    /^2 unattached EBS volume\(s\), \$87\.50\/month across 1 account\(s\)\. Report: s3:\/\/reports-bucket\/ebs-audit\//,
  );
  expect(message.details.top10.map((t: { volumeId: string }) => t.volumeId)).toEqual(['vol-a', 'vol-b']);
});

test('actions enabled but dry-run: the plan is reported, nothing is tagged', async () => {
  await handler({}, context);
  expect(ec2Mock).toHaveReceivedCommandTimes(CreateTagsCommand, 0);
  const puts = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
  const actions = JSON.parse(String(puts.find((p) => String(p.Key).endsWith('-actions.json'))?.Body));
  expect(actions.dryRun).toBe(true);
  expect(actions.results.map((r: { outcome: string }) => r.outcome)).toEqual(['planned', 'planned']);
  const message = JSON.parse(snsMock.commandCalls(PublishCommand)[0].args[0].input.Message ?? '{}');
  expect(message.details.actions).toMatchObject({ dryRun: true, planned: { mark: 2, unmark: 0, delete: 0 } });
});

test('a bad JOB_CONFIG fails at init, naming the variable and the field', () => {
  const saved = process.env.JOB_CONFIG;
  process.env.JOB_CONFIG = JSON.stringify({ enabled: true, accounts: ['123'], regions: 'enabled' });
  try {
    expect(() =>
      jest.isolateModules(() => {
        jest.requireActual('../../../lambdas/ebs-audit/handler');
      }),
    ).toThrow(/JOB_CONFIG\.accounts\.0: must be a 12-digit account id/);
  } finally {
    process.env.JOB_CONFIG = saved;
  }
});

test('A4: each failed action is logged as a warning and counted in the ActionsFailed metric; the event lists it first', async () => {
  const saved = process.env.JOB_CONFIG;
  process.env.JOB_CONFIG = JSON.stringify(
    ebsAuditConfig.parse({
      enabled: true,
      accounts: [HOME],
      regions: ['us-east-1'],
      pricing: { source: 'built-in' },
      actions: { mark: true, dryRun: false },
    }),
  );
  // A second handler module with this config: its SDK clients and Powertools are fresh copies, mocked here.
  let live: Handler | undefined;
  let shared: Powertools | undefined;
  const mocks: { reset(): void }[] = [];
  const published: string[] = [];
  try {
    jest.isolateModules(() => {
      const ec2 = jest.requireActual<typeof Ec2Module>('@aws-sdk/client-ec2');
      const cw = jest.requireActual<typeof CloudWatchModule>('@aws-sdk/client-cloudwatch');
      const s3 = jest.requireActual<typeof S3Module>('@aws-sdk/client-s3');
      const sns = jest.requireActual<typeof SnsModule>('@aws-sdk/client-sns');
      const mock = jest.requireActual<typeof ClientMockModule>('aws-sdk-client-mock');
      const e = mock.mockClient(ec2.EC2Client);
      e.on(ec2.DescribeVolumesCommand).callsFake((input: { Filters?: { Name: string }[] }) => ({
        Volumes:
          input.Filters?.[0]?.Name === 'tag-key'
            ? []
            : [
                { VolumeId: 'vol-a', VolumeType: 'gp2', Size: 10, State: 'available', Tags: [] },
                { VolumeId: 'vol-b', VolumeType: 'gp2', Size: 10, State: 'available', Tags: [] },
              ],
      }));
      e.on(ec2.CreateTagsCommand, { Resources: ['vol-a'] }).rejects(
        Object.assign(new Error('not allowed'), { name: 'UnauthorizedOperation', $metadata: {} }),
      );
      e.on(ec2.CreateTagsCommand, { Resources: ['vol-b'] }).resolves({});
      const c = mock.mockClient(cw.CloudWatchClient);
      c.on(cw.GetMetricDataCommand).resolves({ MetricDataResults: [] });
      const b = mock.mockClient(s3.S3Client);
      b.on(s3.PutObjectCommand).resolves({});
      const n = mock.mockClient(sns.SNSClient);
      n.on(sns.PublishCommand).callsFake((input: { Message: string }) => {
        published.push(input.Message);
        return { MessageId: 'm' };
      });
      mocks.push(e, c, b, n);
      shared = jest.requireActual<Powertools>('../../../lambdas/shared/powertools');
      live = jest.requireActual<{ handler: Handler }>('../../../lambdas/ebs-audit/handler').handler;
    });
    const warn = jest.spyOn(shared!.logger, 'warn');
    const metric = jest.spyOn(shared!.metrics, 'addMetric');
    await live!({}, context);

    expect(warn).toHaveBeenCalledWith(
      'action failed',
      expect.objectContaining({
        action: 'mark',
        volumeId: 'vol-a',
        outcome: 'failed',
        detail: 'UnauthorizedOperation: not allowed',
      }),
    );
    expect(warn.mock.calls.filter(([message]) => message === 'action failed')).toHaveLength(1);
    expect(metric).toHaveBeenCalledWith('ActionsFailed', 'Count', 1);
    expect(published).toHaveLength(1);
    const message = JSON.parse(published[0]);
    expect(message.severity).toBe('warning');
    expect(Object.keys(message.details)[0]).toBe('failedActions');
    expect(message.details.failedActions).toEqual([
      expect.objectContaining({ action: 'mark', volumeId: 'vol-a', detail: 'UnauthorizedOperation: not allowed' }),
    ]);
    expect(message.summary).toContain('; 1 action(s) FAILED (mark 1)');
  } finally {
    process.env.JOB_CONFIG = saved;
    for (const m of mocks) m.reset();
  }
});

test('hardening 7: the report write fails → the summary, not-audited scopes and warnings were logged first; the error names the stage and the S3 key', async () => {
  const { logger } = jest.requireActual<Powertools>('../../../lambdas/shared/powertools');
  const info = jest.spyOn(logger, 'info');
  const warn = jest.spyOn(logger, 'warn');
  try {
    cwMock.on(GetMetricDataCommand).rejects(Object.assign(new Error('slow down'), { name: 'Throttling' }));
    s3Mock
      .on(PutObjectCommand)
      .rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }));
    await expect(handler({}, context)).rejects.toThrow(
      /^write-report: writing s3:\/\/reports-bucket\/ebs-audit\/\d{4}-\d{2}-\d{2}\/ebs-audit-\d{8}T\d{6}Z\.csv failed: .*ECONNREFUSED/,
    );
    expect(info).toHaveBeenCalledWith(
      'ebs-audit audited',
      expect.objectContaining({ volumes: 2, monthlyCostUsd: 87.5, auditedScopes: 1, warnings: 1 }),
    );
    expect(warn).toHaveBeenCalledWith('audit warning', expect.objectContaining({ stage: 'metrics' }));
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 0);
  } finally {
    info.mockRestore();
    warn.mockRestore();
  }
});
