import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULT_CONFIG_PATH, functionSettings, loadConfig, parseConfig } from '../../lib/config';

const example = () => JSON.parse(JSON.stringify(require('../../config/example.json'))) as Record<string, any>;

function issuesOf(raw: unknown) {
  try {
    parseConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected the config to be rejected');
}

describe('config validation', () => {
  it('accepts the committed example, every job enabled', () => {
    const config = loadConfig(DEFAULT_CONFIG_PATH);
    expect(config.jobs.alertNotifier?.enabled).toBe(true);
    expect(config.jobs.backupPruner?.enabled).toBe(true);
    expect(config.jobs.ebsAudit?.enabled).toBe(true);
  });

  it('fills defaults for an empty config', () => {
    const config = parseConfig({});
    expect(config.name).toBe('platform-ops');
    expect(config.defaults).toEqual({
      logRetentionDays: 30,
      memorySize: 256,
      timeoutSeconds: 60,
      retryAttempts: 2,
      logLevel: 'INFO',
    });
    expect(config.jobs).toEqual({});
  });

  type Mutate = (c: Record<string, any>) => void;
  const cases: [string, Mutate, string, RegExp][] = [
    ['unknown job', (c) => (c.jobs.nodeScaler = { enabled: true }), 'jobs.nodeScaler', /unknown job/],
    ['unknown top-level field', (c) => (c.colour = 'blue'), 'colour', /unknown field/],
    [
      'log retention of 0',
      (c) => (c.defaults.logRetentionDays = 0),
      'defaults.logRetentionDays',
      /must be one of 1, 3, 5/,
    ],
    [
      'retention not a CloudWatch value',
      (c) => (c.jobs.backupPruner.function.logRetentionDays = 31),
      'jobs.backupPruner.function.logRetentionDays',
      /must be one of/,
    ],
    [
      'missing required field',
      (c) => delete c.jobs.alertNotifier.webhookSecretName,
      'jobs.alertNotifier.webhookSecretName',
      /expected string/i,
    ],
    ['wrong type', (c) => (c.defaults.memorySize = '512'), 'defaults.memorySize', /expected number/i],
    ['memory out of range', (c) => (c.defaults.memorySize = 64), 'defaults.memorySize', />=128/],
    [
      'retention of 0 days in a backup target',
      (c) => (c.jobs.backupPruner.targets[0].retention = '0d'),
      'jobs.backupPruner.targets[0].retention',
      /positive number/,
    ],
    ['bad schedule', (c) => (c.jobs.backupPruner.schedule = 'every day'), 'jobs.backupPruner.schedule', /rate\(/],
    [
      'plural rate of 1',
      (c) => (c.jobs.backupPruner.schedule = 'rate(1 days)'),
      'jobs.backupPruner.schedule',
      /rate\(1 minute\|hour\|day\)/,
    ],
    ['cron with 5 fields', (c) => (c.jobs.ebsAudit.schedule = 'cron(0 6 * * MON)'), 'jobs.ebsAudit.schedule', /cron\(/],
    [
      'default route not among routes',
      (c) => (c.jobs.alertNotifier.defaultRoute = 'nowhere'),
      'jobs.alertNotifier.defaultRoute',
      /must name one of the routes/,
    ],
    [
      'duplicate target names',
      (c) => (c.jobs.backupPruner.targets[1].name = 'orders-db'),
      'jobs.backupPruner.targets[1].name',
      /duplicate target/,
    ],
    [
      'delete without mark',
      (c) => (c.jobs.ebsAudit.actions.delete = true),
      'jobs.ebsAudit.actions.delete',
      /requires actions.mark/,
    ],
    ['bad account id', (c) => (c.jobs.ebsAudit.accounts = ['12345']), 'jobs.ebsAudit.accounts[0]', /12-digit/],
    ['bad region', (c) => (c.env.region = 'Ireland'), 'env.region', /region code/],
    ['retries above Lambda maximum', (c) => (c.defaults.retryAttempts = 3), 'defaults.retryAttempts', /<=2/],
  ];

  it.each(cases)('rejects %s, naming the field', (_name, mutate, path, message) => {
    const raw = example();
    mutate(raw);
    const issues = issuesOf(raw);
    const issue = issues.find((i) => i.path === path);
    expect(issue).toBeDefined();
    expect(issue?.message).toMatch(message);
  });

  it('reports every problem at once, not just the first', () => {
    const raw = example();
    raw.defaults.logRetentionDays = 0;
    raw.jobs.unknownJob = {};
    expect(
      issuesOf(raw)
        .map((i) => i.path)
        .sort(),
    ).toEqual(['defaults.logRetentionDays', 'jobs.unknownJob']);
  });

  it('names the file when it is not JSON or cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'platform-ops-config-'));
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "name": ');
    expect(() => loadConfig(file)).toThrow(/broken\.json[\s\S]*not valid JSON/);
    expect(() => loadConfig(join(dir, 'missing.json'))).toThrow(/missing\.json[\s\S]*cannot read/);
  });

  it('resolves function settings from overrides over defaults', () => {
    const config = parseConfig({ defaults: { memorySize: 512 } });
    expect(functionSettings(config.defaults, { timeoutSeconds: 900 })).toEqual({
      memorySize: 512,
      timeoutSeconds: 900,
      logRetentionDays: 30,
      reservedConcurrency: undefined,
      retryAttempts: 2,
      logLevel: 'INFO',
    });
  });
});
