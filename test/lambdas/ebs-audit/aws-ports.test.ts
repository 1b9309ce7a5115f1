import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeRegionsCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  assumeMemberRole,
  auditSessionName,
  explainAuditFailure,
  lastIdleDatapoints,
  listActiveAccounts,
  listEnabledRegions,
  listUnattachedVolumes,
  sdkClientFactory,
} from '../../../lambdas/ebs-audit/aws-ports';

const ec2Mock = mockClient(EC2Client);
const cwMock = mockClient(CloudWatchClient);
const orgMock = mockClient(OrganizationsClient);
const stsMock = mockClient(STSClient);
beforeEach(() => {
  ec2Mock.reset();
  cwMock.reset();
  orgMock.reset();
  stsMock.reset();
});

const now = new Date('2026-11-23T06:20:00Z');

test('DescribeVolumes: status=available filter, 500 per page, follows every page', async () => {
  // The SDK paginator reuses its input object between pages, so record a copy of each request as it is sent.
  const pages = [
    {
      Volumes: [{ VolumeId: 'vol-1', Size: 10, VolumeType: 'gp2', Tags: [{ Key: 'owner', Value: 'a' }] }],
      NextToken: 't1',
    },
    { Volumes: [], NextToken: 't2' }, // an empty page in the middle does not end the listing
    { Volumes: [{ VolumeId: 'vol-2', State: 'available', Iops: 3000, Throughput: 125 }] },
  ];
  const sent: unknown[] = [];
  ec2Mock.on(DescribeVolumesCommand).callsFake((input) => {
    sent.push(structuredClone(input));
    return pages.shift();
  });
  const vols = await listUnattachedVolumes(new EC2Client({ region: 'us-east-1' }));
  expect(vols.map((v) => v.volumeId)).toEqual(['vol-1', 'vol-2']);
  expect(vols[0].tags).toEqual({ owner: 'a' });
  expect(ec2Mock).toHaveReceivedCommandTimes(DescribeVolumesCommand, 3);
  const calls = sent;
  expect(calls[0]).toEqual({ Filters: [{ Name: 'status', Values: ['available'] }], MaxResults: 500 });
  expect(calls[1]).toMatchObject({ NextToken: 't1', MaxResults: 500 });
  expect(calls[2]).toMatchObject({ NextToken: 't2' });
  for (const c of calls) expect(c).not.toHaveProperty('VolumeIds');
});

test('ListAccounts: all pages, only State ACTIVE (Status is ignored)', async () => {
  orgMock
    .on(ListAccountsCommand)
    .resolvesOnce({
      Accounts: [
        { Id: '111111111111', Name: 'a', State: 'ACTIVE' },
        { Id: '222222222222', Name: 'b', State: 'SUSPENDED', Status: 'ACTIVE' },
      ],
      NextToken: 'n1',
    })
    .resolvesOnce({ Accounts: [], NextToken: 'n2' })
    .resolvesOnce({
      Accounts: [
        { Id: '333333333333', Name: 'c', State: 'ACTIVE' },
        { Id: '444444444444', Name: 'd', State: 'PENDING_CLOSURE' },
        { Id: '555555555555', Name: 'e', Status: 'ACTIVE' }, // no State: not counted as active
        { Id: '666666666666', Name: 'f', State: 'CLOSED' },
      ],
    });
  const accounts = await listActiveAccounts(new OrganizationsClient({ region: 'us-east-1' }));
  expect(accounts).toEqual([
    { id: '111111111111', name: 'a' },
    { id: '333333333333', name: 'c' },
  ]);
  expect(orgMock).toHaveReceivedCommandTimes(ListAccountsCommand, 3);
  expect(orgMock).toHaveReceivedNthCommandWith(3, ListAccountsCommand, { NextToken: 'n2', MaxResults: 20 });
});

test('DescribeRegions asks for enabled regions only', async () => {
  ec2Mock.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: 'us-east-1' }, { RegionName: 'af-south-1' }] });
  expect(await listEnabledRegions(new EC2Client({ region: 'us-east-1' }))).toEqual(['af-south-1', 'us-east-1']);
  expect(ec2Mock).toHaveReceivedCommandWith(DescribeRegionsCommand, {
    AllRegions: false,
    Filters: [{ Name: 'opt-in-status', Values: ['opt-in-not-required', 'opted-in'] }],
  });
});

test('AssumeRole: role ARN, session name naming the suite, ExternalId, credentials mapped', async () => {
  stsMock.on(AssumeRoleCommand).resolves({
    Credentials: {
      AccessKeyId: 'ASIA1',
      SecretAccessKey: 's',
      SessionToken: 't',
      Expiration: new Date('2026-11-23T07:00:00Z'),
    },
  });
  const creds = await assumeMemberRole(new STSClient({ region: 'eu-west-1' }), {
    account: '222222222222',
    roleName: 'platform-ops-ebs-audit',
    externalId: 'ext-1',
    sessionName: auditSessionName('5f1c2a9e-0b7d-4c1e-9a44-2d7b3c8e1f00'),
  });
  expect(creds).toMatchObject({ accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't' });
  expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, {
    RoleArn: 'arn:aws:iam::222222222222:role/platform-ops-ebs-audit',
    RoleSessionName: 'platform-ops-ebs-audit-5f1c2a9e-0b7d-4c1e-9a44-2d7b3c8e1f00',
    ExternalId: 'ext-1',
    DurationSeconds: 3600,
  });
});

test('session names stay within the 64-character STS limit and its character set', () => {
  const name = auditSessionName('run id/with spaces:and-a-very-long-suffix-0123456789-0123456789-0123456789');
  expect(name.length).toBeLessThanOrEqual(64);
  expect(name).toMatch(/^platform-ops-ebs-audit-[\w+=,.@-]+$/);
});

test('STS clients use the regional endpoint', async () => {
  const sts = sdkClientFactory('eu-west-1').sts('ap-southeast-3');
  const endpoint = await sts.config.endpoint?.();
  expect(endpoint?.hostname).toBe('sts.ap-southeast-3.amazonaws.com');
  expect(endpoint?.protocol).toBe('https:');
  sts.destroy();
});

describe('lastIdleDatapoints', () => {
  test('one call per 500 volumes, hourly Maximum over 455 days, newest datapoint per volume across pages', async () => {
    const ids = Array.from({ length: 501 }, (_, i) => `vol-${String(i).padStart(4, '0')}`);
    cwMock
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          {
            Id: 'v0',
            Timestamps: [new Date('2026-11-01T10:00:00Z'), new Date('2026-10-01T10:00:00Z')],
            StatusCode: 'PartialData',
          },
          { Id: 'v499', Timestamps: [], StatusCode: 'PartialData' },
        ],
        NextToken: 'page2',
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'v0', Timestamps: [new Date('2026-09-01T10:00:00Z')], StatusCode: 'Complete' },
          { Id: 'v499', Timestamps: [new Date('2026-02-02T02:00:00Z')], StatusCode: 'Complete' },
        ],
      })
      .resolvesOnce({
        MetricDataResults: [{ Id: 'v0', Timestamps: [new Date('2026-11-20T00:00:00Z')], StatusCode: 'Complete' }],
      });

    const last = await lastIdleDatapoints(new CloudWatchClient({ region: 'us-east-1' }), ids, now);
    expect(Object.fromEntries([...last].map(([k, v]) => [k, v.toISOString()]))).toEqual({
      'vol-0000': '2026-11-01T10:00:00.000Z',
      'vol-0499': '2026-02-02T02:00:00.000Z',
      'vol-0500': '2026-11-20T00:00:00.000Z', // second batch, query v0
    });
    const calls = cwMock.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(3); // batch 1 (two pages) + batch 2
    expect(calls[0].MetricDataQueries).toHaveLength(500);
    expect(calls[1].NextToken).toBe('page2');
    expect(calls[2].MetricDataQueries).toHaveLength(1);
    expect(calls[2].MetricDataQueries?.[0].MetricStat?.Metric?.Dimensions).toEqual([
      { Name: 'VolumeId', Value: 'vol-0500' },
    ]);
    expect(calls[0].MetricDataQueries?.[0]).toEqual({
      Id: 'v0',
      MetricStat: {
        Metric: {
          Namespace: 'AWS/EBS',
          MetricName: 'VolumeIdleTime',
          Dimensions: [{ Name: 'VolumeId', Value: 'vol-0000' }],
        },
        Period: 3600,
        Stat: 'Maximum',
      },
      ReturnData: true,
    });
    expect(calls[0].StartTime?.toISOString()).toBe('2025-08-25T06:00:00.000Z'); // 455 days back, on the hour
    expect(calls[0].EndTime?.toISOString()).toBe('2026-11-23T07:00:00.000Z');
    expect(calls[0].ScanBy).toBe('TimestampDescending');
  });

  test('exactly 500 volumes → one call; none → no call; 501 → two calls', async () => {
    cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const client = new CloudWatchClient({ region: 'us-east-1' });
    await lastIdleDatapoints(
      client,
      Array.from({ length: 500 }, (_, i) => `vol-${i}`),
      now,
    );
    expect(cwMock).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    await lastIdleDatapoints(client, [], now);
    expect(cwMock).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    await lastIdleDatapoints(
      client,
      Array.from({ length: 501 }, (_, i) => `vol-${i}`),
      now,
    );
    expect(cwMock).toHaveReceivedCommandTimes(GetMetricDataCommand, 3); // 501 volumes: 2 more calls (500 + 1)
  });

  test('a Forbidden result fails the batch instead of passing as "no data"', async () => {
    cwMock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'v0', StatusCode: 'Forbidden' }],
      Messages: [{ Code: 'Forbidden', Value: 'nope' }],
    });
    await expect(lastIdleDatapoints(new CloudWatchClient({ region: 'us-east-1' }), ['vol-1'], now)).rejects.toThrow(
      'GetMetricData Forbidden: Forbidden: nope',
    );
  });
});

test.each([
  [
    'assume-role',
    Object.assign(new Error('User is not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' }),
    'AccessDenied',
    /member role missing/,
  ],
  [
    'describe-volumes',
    Object.assign(new Error('AWS was not able to validate the provided access credentials'), { name: 'AuthFailure' }),
    'AuthFailure',
    /opt-in/,
  ],
  [
    'describe-volumes',
    Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded' }),
    'RequestLimitExceeded',
    /throttled past retries/,
  ],
  [
    'describe-regions',
    Object.assign(new Error('no'), { name: 'UnauthorizedOperation' }),
    'UnauthorizedOperation',
    /permission denied/,
  ],
  ['describe-volumes', new Error('socket hang up'), 'Error', /describe-volumes: Error: socket hang up/],
])('explainAuditFailure %s %#', (stage, err, code, reason) => {
  const e = explainAuditFailure(stage, err);
  expect(e.errorCode).toBe(code);
  expect(e.reason).toMatch(reason);
});
