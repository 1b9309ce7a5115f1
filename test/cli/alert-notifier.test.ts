import { runCli } from '../doubles/cli-process';
import { Command } from 'commander';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerAlertNotifierCommand } from '../../cli/commands/alert-notifier';
import type { SlackPayload } from '../../lambdas/alert-notifier/core/render-slack';
import { FakeSlack, RecordingSlack } from '../doubles/fake-slack';

const ROOT = join(__dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures/alert-notifier');
const CLI = join(ROOT, 'bin/platform-ops-cli.cjs');

function cliSync(...args: string[]) {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function cliAsync(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('platform-ops alert-notifier (the real CLI)', () => {
  it('--preview prints the Slack payload JSON it would send, with the route and mention', () => {
    const run = cliSync('alert-notifier', '--event', join(FIXTURES, 'cloudwatch-metric-math-alarm.json'), '--preview');
    expect(run.status).toBe(0);
    const [preview] = JSON.parse(run.stdout);
    expect(preview).toMatchObject({
      kind: 'cloudwatch-alarm',
      route: 'oncall',
      mention: 'here',
      cnpg: { signal: 'failover', cluster: 'orders-db' },
    });
    expect(preview.payload.text).toMatch(/^<!here> 🔴 CNPG orders-db failover: orders-db-replication-role-changed/);
    expect(preview.payload.attachments[0].blocks[0].type).toBe('header');
  });

  it('--preview of a plain-text Alertmanager body and of a full EventBridge event', () => {
    const text = cliSync(
      'alert-notifier',
      '--event',
      join(FIXTURES, 'alertmanager-text.txt'),
      '--subject',
      '[FIRING:1] CNPGFailoverOccurred',
      '--preview',
    );
    expect(JSON.parse(text.stdout)[0]).toMatchObject({ kind: 'alertmanager', name: 'CNPGFailoverOccurred' });
    const event = cliSync('alert-notifier', '--event', join(FIXTURES, 'backup-job-failed.json'), '--preview');
    expect(JSON.parse(event.stdout)[0]).toMatchObject({ kind: 'backup-job', state: 'ALARM' });
  });

  it('a missing file or a bad --webhook-url is a clear error, exit 1', () => {
    const missing = cliSync('alert-notifier', '--event', join(FIXTURES, 'nope.json'), '--preview');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/alert-notifier: ENOENT/);
    const bad = cliSync(
      'alert-notifier',
      '--event',
      join(FIXTURES, 'ops-event.json'),
      '--webhook-url',
      'http://example.com/x',
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--webhook-url must be an https URL/);
  });

  describe('sending', () => {
    const slack = new FakeSlack();
    const posts = () => slack.received.map((r) => ({ path: r.path, payload: JSON.parse(r.body) as SlackPayload }));
    beforeAll(() => slack.start());
    afterAll(() => slack.stop());

    it('posts to --webhook-url and prints a table without the URL', async () => {
      const run = await cliAsync(
        'alert-notifier',
        '--event',
        join(FIXTURES, 'ops-event.json'),
        '--webhook-url',
        `${slack.base}/ok/hook/SECRETPART`,
      );
      expect(run.status).toBe(0);
      expect(posts().at(-1)?.path).toBe('/ok/hook/SECRETPART');
      expect(posts().at(-1)?.payload.text).toMatch(/backup-pruner: prune-refused/);
      expect(run.stdout).toMatch(/^index\s+name\s+route\s+result/);
      expect(run.stdout).toMatch(/sent \(HTTP 200\)/);
      expect(run.stdout + run.stderr).not.toContain('SECRETPART');
    });

    it('a Slack rejection is reported and exits 1', async () => {
      const run = await cliAsync(
        'alert-notifier',
        '--event',
        join(FIXTURES, 'ops-event.json'),
        '--webhook-url',
        `${slack.base}/invalid/SECRETPART`,
        '--json',
      );
      expect(run.status).toBe(1);
      expect(JSON.parse(run.stdout)[0].result).toBe('rejected by Slack: invalid_payload (HTTP 400)');
      expect(run.stdout).not.toContain('SECRETPART');
    });
  });
});

describe('runAlertNotifierCommand without --webhook-url: the configured route from the secret', () => {
  async function run(args: string[], secret: Record<string, string>) {
    const out: string[] = [];
    const slack = new RecordingSlack();
    const lookups: string[] = [];
    const program = new Command().exitOverride();
    registerAlertNotifierCommand(program, {
      out: { write: (t) => out.push(t) },
      err: { write: (t) => out.push(t) },
      sender: slack,
      webhookFromSecret: async (secretName, region, route) => {
        lookups.push(`${secretName}@${region}#${route}`);
        return secret[route];
      },
    });
    process.exitCode = 0;
    await program.parseAsync(['node', 'platform-ops', 'alert-notifier', ...args]);
    const code = process.exitCode;
    process.exitCode = 0;
    return { out: out.join(''), sent: slack.sent, lookups, code };
  }

  it('routes like the Lambda does and reads the URL from the configured secret (example config)', async () => {
    const r = await run(['--event', join(FIXTURES, 'cloudwatch-metric-math-alarm.json')], {
      oncall: 'https://hooks.slack.com/services/T/B/oncall',
    });
    expect(r.lookups).toEqual(['platform-ops/slack-webhooks@eu-west-1#oncall']);
    expect(r.sent.map((s) => s.url)).toEqual(['https://hooks.slack.com/services/T/B/oncall']);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('hooks.slack.com');
  });

  it('--route overrides routing; a route missing from the secret is reported, exit 1', async () => {
    const r = await run(
      ['--event', join(FIXTURES, 'cloudwatch-metric-math-alarm.json'), '--route', 'dba', '--json'],
      {},
    );
    expect(r.lookups).toEqual(['platform-ops/slack-webhooks@eu-west-1#dba']);
    expect(JSON.parse(r.out)[0].result).toBe(
      'failed: no webhook for route "dba" in secret platform-ops/slack-webhooks',
    );
    expect(r.code).toBe(1);
  });

  it('an unknown --route is an error naming the routes', async () => {
    const r = await run(['--event', join(FIXTURES, 'ops-event.json'), '--route', 'nope'], {});
    expect(r.out).toMatch(/--route "nope" is not a route in config\/example\.json \(oncall, dba, platform\)/);
    expect(r.code).toBe(1);
  });

  it('a config without alertNotifier still previews (standalone routing)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'an-cli-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ env: { region: 'eu-west-1' } }));
    const r = await run(['--event', join(FIXTURES, 'ops-event.json'), '--config', config, '--preview'], {});
    expect(JSON.parse(r.out)[0]).toMatchObject({ route: 'default', mention: 'none' });
  });
});

describe('alert-notifier --preview outside the repository', () => {
  it('needs no config file: standalone routing, exit 0', () => {
    const event = join(ROOT, 'test/fixtures/alert-notifier/cloudwatch-metric-alarm.json');
    const run = runCli(['alert-notifier', '--event', event, '--preview'], { cwd: mkdtempSync(join(tmpdir(), 'an-')) });
    expect(run.stderr).not.toMatch(/config\/example\.json/);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)[0]).toMatchObject({ index: 0, route: 'default' });
  });
});
