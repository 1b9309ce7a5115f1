import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeRegionsCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { Command } from 'commander';
import { registerEbsAuditCommand } from '../../cli/commands/ebs-audit';
import { runCli } from '../doubles/cli-process';
import { containerPriceCache } from '../../lambdas/ebs-audit/adapters/price-resolver';
import { awsError, SIMULATED_HOME, simulatedAuditClients, whoAndWhere } from '../doubles/ebs-audit-clients';
import { ebsRegionProducts, US_EAST_1 } from '../doubles/ebs-audit-price-list';

const ec2Mock = mockClient(EC2Client);
const cwMock = mockClient(CloudWatchClient);
const stsMock = mockClient(STSClient);
const pricingMock = mockClient(PricingClient);
const ME = '123456789012';
const OTHER = '210987654321';
const now = new Date('2026-11-23T06:00:00Z');

async function run(...argsAndTty: (string | { errIsTTY: boolean })[]) {
  const args = argsAndTty.filter((a): a is string => typeof a === 'string');
  const tty = argsAndTty.find((a): a is { errIsTTY: boolean } => typeof a !== 'string');
  let stdout = '';
  let stderr = '';
  const program = new Command('platform-ops')
    .exitOverride()
    .configureOutput({ writeErr: (t) => void (stderr += t), writeOut: (t) => void (stdout += t) });
  registerEbsAuditCommand(program, {
    whoAmI: async () => ({ account: ME, region: 'us-east-1' }),
    out: { write: (t) => void (stdout += t) },
    err: { write: (t) => void (stderr += t) },
    now: () => now,
    outIsTTY: false,
    errIsTTY: tty?.errIsTTY ?? false,
  });
  await program.parseAsync(['node', 'platform-ops', 'ebs-audit', ...args]);
  return { stdout, stderr };
}

beforeEach(() => {
  for (const m of [ec2Mock, cwMock, stsMock, pricingMock]) m.reset();
  containerPriceCache.clear();
  pricingMock.on(GetProductsCommand).resolves({ PriceList: ebsRegionProducts('us-east-1', '', US_EAST_1) });
  ec2Mock.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: 'us-east-1' }] });
  ec2Mock.on(DescribeVolumesCommand).callsFake(async (_input, getClient) => {
    const { account } = await whoAndWhere(getClient, ME);
    return {
      Volumes: [
        {
          VolumeId: `vol-small-${account.slice(0, 2)}`,
          VolumeType: 'gp2',
          Size: 10,
          State: 'available',
          Tags: [{ Key: 'owner', Value: 'ann' }],
        },
        {
          VolumeId: `vol-big-${account.slice(0, 2)}`,
          VolumeType: 'io2',
          Size: 100,
          Iops: 40000,
          State: 'available',
          Tags: [{ Key: 'Name', Value: 'db, "old"' }],
        },
        {
          VolumeId: `vol-k8s-${account.slice(0, 2)}`,
          VolumeType: 'gp3',
          Size: 20,
          Iops: 3000,
          Throughput: 125,
          State: 'available',
          Tags: [{ Key: 'CSIVolumeName', Value: 'pvc-1' }],
        },
      ],
    };
  });
  cwMock
    .on(GetMetricDataCommand)
    .resolves({ MetricDataResults: [{ Id: 'v0', Timestamps: [new Date('2026-09-30T10:00:00Z')] }] });
  stsMock.on(AssumeRoleCommand).callsFake((input: { RoleArn: string }) => {
    const account = input.RoleArn.split(':')[4];
    if (account === '999999999999') throw awsError('AccessDenied', 'not authorized');
    return {
      Credentials: {
        AccessKeyId: `ASIA${account}`,
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: new Date(now.getTime() + 3600e3),
      },
    };
  });
});

test('table: sorted by cost with totals; current account, enabled regions by default', async () => {
  const { stdout } = await run();
  const lines = stdout.split('\n');
  expect(lines[0]).toMatch(
    /^USD\/month\s+account\s+region\s+volume\s+type\s+GiB\s+detached since\s+owner\s+name\s+priced by\s+flags$/,
  );
  // io2 100 GiB 40,000 IOPS = 12.50 + 2080 + 364 = 2456.50; gp3 20 GiB = 1.60; gp2 10 GiB = 1.00
  expect(lines[2]).toMatch(
    /^2456\.50\s+123456789012\s+us-east-1\s+vol-big-12\s+io2\s+100\s+unknown\s+db, "old"\s+price-list-api$/,
  );
  expect(lines[3]).toMatch(/^ {3}1\.60 .*vol-k8s-12 .*kubernetes$/);
  expect(lines[4]).toMatch(/^ {3}1\.00 .*vol-small-12\s+gp2\s+10\s+2026-09-30\s+ann\s+price-list-api$/);
  expect(stdout).toContain('Total: 3 unattached volume(s), 130 GiB, $2,459.10/month');
  expect(stdout).toContain('Audited 1 account/region pair(s).');
  expect(stdout).toMatch(/^us-east-1\s+price-list-api\s+2026-11-01\s*$/m);
  expect(pricingMock).toHaveReceivedCommandTimes(GetProductsCommand, 1);
  expect(ec2Mock).toHaveReceivedCommandTimes(DescribeRegionsCommand, 1);
  expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 0);
});

test('table: several accounts get per-account totals, and what was not audited is listed', async () => {
  const { stdout } = await run(
    '--accounts',
    `${ME},${OTHER},999999999999`,
    '--regions',
    'us-east-1',
    '--external-id',
    'x-1',
    '--role-name',
    'audit-ro',
  );
  expect(stdout).toContain('Total: 6 unattached volume(s), 260 GiB, $4,918.20/month');
  expect(stdout).toMatch(/^123456789012\s+3\s+130\s+2459\.10\s+0$/m);
  expect(stdout).toMatch(/^210987654321\s+3\s+130\s+2459\.10\s+0$/m);
  expect(stdout).toContain('NOT audited (1):');
  expect(stdout).toMatch(/^999999999999\s+\*\s+assume-role: member role missing/m);
  expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, {
    RoleArn: `arn:aws:iam::${OTHER}:role/audit-ro`,
    ExternalId: 'x-1',
  });
});

test('csv and json for machines; gaps go to stderr', async () => {
  const csv = await run('--format', 'csv', '--regions', 'us-east-1', '--accounts', `${ME},999999999999`);
  expect(csv.stdout.split('\r\n')[0]).toMatch(/^account,region,volume_id,name,owner/);
  expect(csv.stdout).toContain('"db, ""old"""');
  expect(csv.stderr).toMatch(/1 account\/region\(s\) not audited/);
  const json = JSON.parse((await run('--format', 'json', '--regions', 'us-east-1')).stdout);
  expect(json.summary).toMatchObject({ volumeCount: 3, totalMonthlyCostUsd: 2459.1 });
  expect(json.volumes.map((v: { volumeId: string }) => v.volumeId)).toEqual([
    'vol-big-12',
    'vol-k8s-12',
    'vol-small-12',
  ]);
});

test('--pricing built-in: no Price List call, every priced volume says built-in', async () => {
  const { stdout } = await run('--pricing', 'built-in', '--format', 'json', '--regions', 'us-east-1');
  expect(pricingMock).toHaveReceivedCommandTimes(GetProductsCommand, 0);
  const json = JSON.parse(stdout);
  expect(json.volumes.map((v: { priceSource: string }) => v.priceSource)).toEqual(['built-in', 'built-in', 'built-in']);
  expect(json.summary.prices.sourceCounts).toEqual({ 'price-list-api': 0, 'built-in': 1, none: 0 });
});

test('Price List API denied: the table says the built-in table stood in, and why', async () => {
  pricingMock.on(GetProductsCommand).rejects(awsError('AccessDeniedException', 'not authorized'));
  const { stdout } = await run('--regions', 'us-east-1');
  expect(stdout).toContain('Total: 3 unattached volume(s), 130 GiB, $2,459.10/month');
  expect(stdout).toMatch(
    /^us-east-1\s+built-in\s+2026-11-21\s+AWS Price List Query API unavailable \(AccessDeniedException: not authorized\); using the built-in table$/m,
  );
});

// Bad flags (each names the flag, exit 2): test/corpus/ebs-audit/flags.json, run by test/corpus/ebs-audit.test.ts.

describe('hardening 9: an environment error names the stage and a hint, exit 1', () => {
  const base = {
    PATH: process.env.PATH,
    HOME: tmpdir(),
    AWS_CONFIG_FILE: join(tmpdir(), 'no-such-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(tmpdir(), 'no-such-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  test.each([
    ['no region', base, /^platform-ops: identity \(sts:GetCallerIdentity\): Region is missing; set AWS_REGION/m],
    [
      'no credentials',
      { ...base, AWS_REGION: 'eu-west-1' },
      /^platform-ops: identity \(sts:GetCallerIdentity\): CredentialsProviderError: Could not load credentials.*; set AWS_PROFILE/m,
    ],
    [
      'endpoint refuses connections',
      {
        ...base,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIDTEST',
        AWS_SECRET_ACCESS_KEY: 'x',
        AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9',
        AWS_MAX_ATTEMPTS: '1',
      },
      /^platform-ops: identity \(sts:GetCallerIdentity\): .*ECONNREFUSED.*; the AWS endpoint could not be reached/m,
    ],
  ])('%s', (_name, env, message) => {
    const r = runCli(['ebs-audit', '--regions', 'us-east-1'], { env });
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
  });

  test('nothing could be audited → the output says why, then exit 1 (in-process: the error the CLI turns into 1)', async () => {
    ec2Mock.on(DescribeVolumesCommand).rejects(awsError('AuthFailure', 'AWS was not able to validate the credentials'));
    await expect(run('--regions', 'us-east-1')).rejects.toThrow(
      /^audit: no account\/region could be audited \(1 not\); first: describe-volumes: .*AuthFailure/,
    );
  });
});

describe('hardening 10: progress on stderr, sanitised text', () => {
  test('plain lines when stderr is not a terminal; the last one says everything was scanned', async () => {
    const { stderr } = await run('--accounts', `${ME},${OTHER}`, '--regions', 'us-east-1');
    expect(stderr).toMatch(
      /^ebs-audit: 2\/2 account\(s\) entered, 2\/2 account\/region\(s\) scanned, 6 unattached volume\(s\)$/m,
    );
    expect(stderr).not.toContain('\r');
  });

  test('a bar redrawn in place on a terminal, cleared at the end', async () => {
    const { stderr } = await run('--regions', 'us-east-1', { errIsTTY: true });
    // eslint-disable-next-line no-control-regex -- the terminal escape is what is checked
    expect(stderr).toMatch(/\r\x1b\[2Kebs-audit \[#{20}\] 1\/1 account/);
    expect(stderr.endsWith('\r\x1b[2K')).toBe(true);
  });

  test('none for --format json|csv on a pipe, nor with --no-progress', async () => {
    for (const args of [['--format', 'json'], ['--format', 'csv'], ['--no-progress']]) {
      const { stderr } = await run('--regions', 'us-east-1', ...args);
      expect(stderr).toBe('');
    }
  });

  test('tags and error texts reach the terminal without controls or bidi overrides', async () => {
    ec2Mock.on(DescribeVolumesCommand).resolves({
      Volumes: [
        {
          VolumeId: 'vol-evil',
          VolumeType: 'gp2',
          Size: 1,
          State: 'available',
          Tags: [
            { Key: 'Name', Value: 'evil\u202egpj.exe\u0007\u0000' + 'x'.repeat(300) },
            { Key: 'owner', Value: 'a\u001b[31mred' },
          ],
        },
      ],
    });
    stsMock.on(AssumeRoleCommand).rejects(awsError('AccessDenied', 'denied \u202e\u0007 bell'));
    const table = await run('--accounts', `${ME},${OTHER}`, '--regions', 'us-east-1');
    const csv = await run('--accounts', `${ME},${OTHER}`, '--regions', 'us-east-1', '--format', 'csv');
    for (const text of [table.stdout, table.stderr, csv.stderr]) {
      // eslint-disable-next-line no-control-regex -- control characters are what must not pass
      expect(text).not.toMatch(/[\u0000\u0007\u001b\u202e]/);
    }
    expect(Math.max(...table.stdout.split('\n').map((l) => l.length))).toBeLessThan(400);
    expect(csv.stderr).toMatch(/210987654321 \*: assume-role: .*AccessDenied: denied/);
  });
});

test('hardening 11: --json is --format json; with --format too it is a usage error', async () => {
  const json = JSON.parse((await run('--json', '--regions', 'us-east-1')).stdout);
  expect(json.summary.volumeCount).toBe(3);
  await expect(run('--json', '--format', 'csv')).rejects.toThrow(/'--json' cannot be used with option '--format/);
});

test('--org over a simulated estate: every account entered once, per-account totals, no per-volume call', async () => {
  // The fake audit clients answer through their own transport: take the SDK mocks of this file off (last test).
  for (const m of [ec2Mock, cwMock, stsMock, pricingMock]) m.restore();
  const { factory, stats } = simulatedAuditClients({
    accounts: 3,
    regions: ['us-east-1', 'eu-west-1'],
    volumeCount: (a, r) => (a + 1) * (r + 1),
  });
  let stdout = '';
  const program = new Command('platform-ops').exitOverride();
  registerEbsAuditCommand(program, {
    whoAmI: async () => ({ account: SIMULATED_HOME, region: 'us-east-1' }),
    factory: () => factory,
    out: { write: (t) => void (stdout += t) },
    err: { write: () => undefined },
    now: () => now,
  });
  await program.parseAsync(['node', 'platform-ops', 'ebs-audit', '--org', '--pricing', 'built-in', '--format', 'json']);
  const json = JSON.parse(stdout);
  // (a + 1) × (r + 1) volumes: 1 + 2, 2 + 4, 3 + 6
  expect(json.summary.volumeCount).toBe(18);
  expect(json.summary.perAccount.map((a: { volumes: number }) => a.volumes).sort()).toEqual([3, 6, 9]);
  expect(json.summary.auditedScopes).toBe(6);
  expect(stats.calls.get('AssumeRoleCommand')).toBe(2);
  expect(stats.perVolumeCalls).toBe(0);
});
