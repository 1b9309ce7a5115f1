import { Command } from 'commander';
import { registerNodeAutoscalerCommand } from '../../cli/commands/node-autoscaler';
import { FakeNodeAutoscalerAws, fakeAsg } from '../doubles/node-autoscaler';

const NOW = new Date('2026-12-01T12:00:30Z');
const TAG = 'platform-ops:node-autoscaler:desired';

/** The example config's groups: general (managed, prod/general) and batch (self-managed prod-batch-nodes). */
function fakeAws(cpu: number) {
  const fake = new FakeNodeAutoscalerAws();
  fake.addNodegroup('prod', 'general', fakeAsg('eks-general-1', 4, { tags: { [TAG]: '4@2026-11-30T00:00:00Z' } }));
  fake.asgs.set('prod-batch-nodes', fakeAsg('prod-batch-nodes', 2, { tags: { [TAG]: '2@2026-11-30T00:00:00Z' } }));
  fake.metricSource = (metric) =>
    metric === 'scheduler_pending_pods_UNSCHEDULABLE'
      ? 0
      : metric.startsWith('node_cpu')
        ? cpu
        : metric === 'node_number_of_running_pods'
          ? 10
          : 30;
  return fake;
}

async function run(fake: FakeNodeAutoscalerAws, ...args: string[]) {
  let out = '';
  let err = '';
  const program = new Command().exitOverride();
  registerNodeAutoscalerCommand(program, {
    ports: () => fake.ports(),
    now: () => NOW,
    out: { write: (t) => (out += t) },
    err: { write: (t) => (err += t) },
  });
  await program.parseAsync(['node', 'platform-ops', 'node-autoscaler', ...args]);
  return { out, err };
}

afterEach(() => {
  process.exitCode = undefined;
});

test('--json: one object with a decision per configured group; dry run changes nothing', async () => {
  const fake = fakeAws(90);
  const { out } = await run(fake, '--json');
  const json = JSON.parse(out);
  expect(json.dryRun).toBe(true);
  expect(json.decisions.map((d: any) => [d.group, d.action, d.from, d.to, d.applied])).toEqual([
    ['general', 'scale-out', 4, 7, false],
    ['batch', 'scale-out', 2, 4, false], // n=2 at 90 %, target (80+35)/2 = 57.5: 2 nodes; maxStep 2
  ]);
  expect(json.decisions[0].reasons[0]).toMatch(/^CPU pressure 90%, 90%, 90% above 75% for 3 min/);
  expect(json.decisions[0].signals.minutes).toHaveLength(20); // batch's 20-minute scale-in window: one window for the run
  expect(fake.writes).toEqual([]);
});

test('--group narrows, --execute acts, the table says what was applied', async () => {
  const fake = fakeAws(90);
  const { out } = await run(fake, '--group', 'batch', '--execute');
  expect(fake.writes).toEqual([
    'SetDesiredCapacity prod-batch-nodes 4',
    `Tag prod-batch-nodes ${TAG}=4@2026-12-01T12:00:30Z`,
  ]);
  expect(out).toMatch(/^group\s+cluster\s+action\s+from\s+to\s+pressure\s+pending\s+holds\s+applied$/m);
  expect(out).toMatch(/^batch\s+prod\s+scale-out\s+2\s+4\s+90%\s+0\s+yes$/m);
  expect(out).not.toMatch(/^general/m);
  expect(out).toContain('EXECUTE: changes above were applied.');
});

test('a hold is printed with every reason', async () => {
  const fake = fakeAws(60);
  const { out } = await run(fake);
  expect(out).toMatch(/^general\s+prod\s+hold\s+4\s+4\s+60%\s+0\s+steady\s+dry run$/m);
  expect(out).toContain('  - pressure within the band (CPU 60%, memory 30%)');
  expect(out).toContain('DRY RUN: nothing was changed (--execute to act).');
});

test('an unknown --group is an error naming the configured groups', async () => {
  await expect(run(fakeAws(60), '--group', 'gpu')).rejects.toThrow('unknown --group gpu (configured: general, batch)');
});

test('a group that cannot be read is reported on stderr and sets a failing exit code', async () => {
  const fake = fakeAws(60);
  fake.nodegroups.clear();
  const { err } = await run(fake, '--json');
  expect(err).toMatch(/^error: general: DescribeNodegroup: ResourceNotFoundException/);
  expect(process.exitCode).toBe(1);
});

test('replay: the real history minute by minute, what the scaler would have done, and the chart', async () => {
  const fake = new FakeNodeAutoscalerAws();
  const start = NOW.getTime() - 120 * 60_000;
  const at = (m: number) => new Date(start + m * 60_000);
  const asg = fakeAsg('prod-batch-nodes', 2, { minSize: 1, maxSize: 6 });
  // A person added a node at minute 80 (InService at 83); CPU was high from minute 60.
  asg.instances.push({ instanceId: 'i-0abc123', lifecycleState: 'InService', launchTime: at(80) });
  asg.activities = [
    {
      statusCode: 'Successful',
      startTime: at(80),
      endTime: at(83),
      description: 'Launching a new EC2 instance: i-0abc123',
    },
  ];
  fake.asgs.set('prod-batch-nodes', asg);
  fake.addNodegroup('prod', 'general', fakeAsg('eks-general-1', 2));
  for (const i of asg.instances) fake.knownNodes.add(i.instanceId);
  fake.metricSource = (metric, dims, t) => {
    const m = (t - start) / 60_000;
    if (metric === 'scheduler_pending_pods_UNSCHEDULABLE') return 0;
    if (dims.InstanceId === 'i-0abc123' && m < 83) return undefined;
    if (metric.startsWith('node_cpu')) return m >= 60 ? 92 : 50;
    return metric === 'node_number_of_running_pods' ? 10 : 30;
  };
  const file = require('node:path').join(require('node:os').tmpdir(), `nas-replay-${process.pid}.svg`);
  const { out, err } = await run(fake, 'replay', '--group', 'batch', '--hours', '2', '--chart', file);
  // batch: out at 80 % CPU for 3 min; first seen at minute 60 + 3 + 2 − 1.
  expect(out).toMatch(/^time\s+real\s+would do\s+pressure\s+pending\s+why$/m);
  expect(out).toMatch(/ 2\s+scale-out → 4\s+92%\s+0\s+CPU pressure 92%, 92%, 92% above 80% for 3 min/);
  expect(out).toMatch(/real changes|really changed size 1 time\(s\)/);
  expect(out).toContain('3 instance(s) in the window');
  expect(err).toBe(`chart: ${file}\n`);
  const svg = require('node:fs').readFileSync(file, 'utf8');
  expect(svg).toContain('node-autoscaler replay: batch (prod-batch-nodes)');
  expect(svg).toContain('scaler would set');
  require('node:fs').unlinkSync(file);
});

test('replay --chart refuses anything but SVG', async () => {
  await expect(run(fakeAws(60), 'replay', '--group', 'batch', '--chart', 'x.png')).rejects.toThrow(
    '--chart writes SVG only',
  );
});
