/**
 * node-autoscaler end to end over the real wire protocols: the real SDK clients, reached through AWS_ENDPOINT_URL,
 * talk to a loopback stand-in (Auto Scaling query/XML, EC2 query/XML, CloudWatch JSON 1.0, EKS REST JSON).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sdkPorts } from '../../lambdas/node-autoscaler/adapters/clients';
import { nodeAutoscalerConfig } from '../../lambdas/node-autoscaler/config';
import { runNodeAutoscaler } from '../../lambdas/node-autoscaler/job';
import { FakeNodeAutoscalerAws, fakeAsg } from '../doubles/node-autoscaler';
import { ROOT } from '../doubles/cli-process';
import { type RunningWireServer, startWireServer } from '../doubles/node-autoscaler-wire';

const TAG = 'platform-ops:node-autoscaler:desired';
const GROUPS = [
  { name: 'general', cluster: 'prod', nodeGroup: 'general', minSize: 2, maxSize: 10 },
  { name: 'batch', cluster: 'prod', autoScalingGroup: 'prod-batch-nodes', minSize: 1, maxSize: 6 },
];

function fakeAws() {
  const fake = new FakeNodeAutoscalerAws();
  fake.addNodegroup('prod', 'general', fakeAsg('eks-general-1', 4, { tags: { [TAG]: '4@2026-11-30T00:00:00Z' } }));
  fake.asgs.set('prod-batch-nodes', fakeAsg('prod-batch-nodes', 3, { tags: { [TAG]: '3@2026-11-30T00:00:00Z' } }));
  fake.metricSource = (metric, dims) => {
    if (metric === 'scheduler_pending_pods_UNSCHEDULABLE') return 0;
    if (metric === 'node_number_of_running_pods') return dims.InstanceId.endsWith('-1') ? 2 : 9;
    const batch = dims.InstanceId.startsWith('i-prod-batch');
    if (metric.startsWith('node_cpu')) return batch ? 12 : 88;
    return batch ? 15 : 40;
  };
  return fake;
}

let server: RunningWireServer;
let fake: FakeNodeAutoscalerAws;
beforeEach(async () => {
  fake = fakeAws();
  server = await startWireServer(fake);
});
afterEach(() => server.close());

/** Spawns the CLI asynchronously (test/doubles/cli-process.ts's runCli is synchronous and would block this process's stand-in). */
function cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/platform-ops-cli.cjs'), 'node-autoscaler', ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        AWS_ENDPOINT_URL: server.url,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_REGION: 'eu-west-1',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('the CLI, --execute --json, as an operator runs it: every API over its own protocol', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nas-wire-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ jobs: { nodeAutoscaler: { enabled: true, groups: GROUPS } } }));
  const { status, stdout, stderr } = await cli('--config', config, '--execute', '--json');
  expect(stderr).not.toMatch(/error/i);
  expect(status).toBe(0);
  const json = JSON.parse(stdout);
  expect(json.dryRun).toBe(false);
  expect(json.decisions.map((d: any) => [d.group, d.action, d.from, d.to, d.applied])).toEqual([
    ['general', 'scale-out', 4, 7, true], // 88 %: ceil(4·88/57.5) − 4 = 3
    ['batch', 'scale-in', 3, 2, true],
  ]);
  expect(json.decisions[1].terminate).toEqual({ instanceId: 'i-prod-batch-nodes-1', runningPods: 2 });
  expect(fake.writes).toEqual([
    'SetDesiredCapacity eks-general-1 7',
    expect.stringMatching(new RegExp(`^Tag eks-general-1 ${TAG}=7@20\\d\\d-`)),
    'TerminateInstance i-prod-batch-nodes-1',
    expect.stringMatching(new RegExp(`^Tag prod-batch-nodes ${TAG}=2@20\\d\\d-`)),
  ]);
  const seen = new Set(server.requests.map((r) => `${r.api}:${r.action}`));
  expect([...seen].sort()).toEqual([
    'autoscaling:CreateOrUpdateTags',
    'autoscaling:DescribeAutoScalingGroups',
    'autoscaling:DescribePolicies',
    'autoscaling:DescribeScalingActivities',
    'autoscaling:SetDesiredCapacity',
    'autoscaling:TerminateInstanceInAutoScalingGroup',
    'cloudwatch:GetMetricData',
    'ec2:DescribeInstances',
    'eks:DescribeNodegroup',
  ]);
});

test('a ScalingActivityInProgress error on the wire is a hold; a missing node group is a per-group error', async () => {
  fake.fail.add('SetDesiredCapacity:busy');
  fake.nodegroups.clear();
  fake.addNodegroup('prod', 'other', fakeAsg('x', 1));
  const config = nodeAutoscalerConfig.parse({
    enabled: true,
    dryRun: false,
    groups: [GROUPS[0], { ...GROUPS[1], maxSize: 6 }],
  });
  fake.metricSource = (metric) =>
    metric.startsWith('node_cpu') ? 95 : metric === 'scheduler_pending_pods_UNSCHEDULABLE' ? 0 : 10;
  const ports = sdkPorts({
    endpoint: server.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  const result = await runNodeAutoscaler(config, ports, { now: new Date(), dryRun: false });
  expect(result.outcomes[0].error).toMatch(/^DescribeNodegroup: ResourceNotFoundException/);
  // Over the wire the SDK error carries the query protocol's Code (ScalingActivityInProgress), read first.
  expect(result.outcomes[1]).toMatchObject({ applied: false, recorded: false, busy: 'ScalingActivityInProgress' });
  expect(fake.writes).toEqual([]);
});
