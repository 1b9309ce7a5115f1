import { RetentionSyntaxError, parseRetention } from '../../../lambdas/backup-pruner/core/retention';
import { ConfigError, parseConfig } from '../../../lib/config';

const example = () => JSON.parse(JSON.stringify(require('../../../config/example.json'))) as Record<string, any>;

function issuesOf(raw: unknown) {
  try {
    parseConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected the config to be rejected');
}

const target = (name: string, bucket: string, prefix: string, layout: string, extra: Record<string, unknown> = {}) => ({
  name,
  bucket,
  prefix,
  layout,
  ...(layout === 'velero' ? {} : { retention: '30d' }),
  ...extra,
});

const withTargets = (...targets: Record<string, unknown>[]) => {
  const raw = example();
  raw.jobs.backupPruner.targets = targets;
  return raw;
};

describe('backup-pruner config: overlapping targets', () => {
  it.each([
    [
      'a prefix target around a barman server folder',
      [target('dumps', 'pg-bkt', 'pg/', 'prefix'), target('orders', 'pg-bkt', 'pg/orders-db/', 'barman')],
      'jobs.backupPruner.targets[1].prefix',
      /overlaps target "dumps" \(targets\[0\]: s3:\/\/pg-bkt\/pg\/\)/,
    ],
    [
      'a barman target inside a prefix target listed after it',
      [target('orders', 'pg-bkt', 'pg/orders-db/', 'barman'), target('dumps', 'pg-bkt', 'pg/', 'prefix')],
      'jobs.backupPruner.targets[1].prefix',
      /overlaps target "orders"/,
    ],
    [
      'the same location twice',
      [target('a', 'bkt', 'v/', 'velero'), target('b', 'bkt', 'v/', 'velero')],
      'jobs.backupPruner.targets[1].prefix',
      /overlaps target "a"/,
    ],
    [
      'a velero prefix of "" and any other target in the bucket',
      [target('v', 'bkt', '', 'velero'), target('d', 'bkt', 'dumps/', 'prefix')],
      'jobs.backupPruner.targets[1].prefix',
      /overlaps target "v"/,
    ],
  ])('rejects %s, naming the field', (_name, targets, path, message) => {
    const issue = issuesOf(withTargets(...targets)).find((i) => i.path === path);
    expect(issue?.message).toMatch(message);
  });

  it.each([
    ['sibling prefixes', [target('a', 'bkt', 'pg/a/', 'barman'), target('b', 'bkt', 'pg/ab/', 'barman')]],
    ['the same prefix in two buckets', [target('a', 'one', 'pg/a/', 'barman'), target('b', 'two', 'pg/a/', 'barman')]],
    [
      'the same bucket name on two endpoints',
      [
        target('a', 'bkt', 'pg/a/', 'barman'),
        target('b', 'bkt', 'pg/', 'prefix', { endpointUrl: 'https://minio.example.internal:9000' }),
      ],
    ],
  ])('accepts %s', (_name, targets) => {
    expect(() => parseConfig(withTargets(...targets))).not.toThrow();
  });
});

describe('backup-pruner config: the prefix layout needs a folder', () => {
  it('rejects prefix "" for layout prefix (the whole bucket), naming the field', () => {
    const issue = issuesOf(withTargets(target('all', 'bkt', '', 'prefix'))).find(
      (i) => i.path === 'jobs.backupPruner.targets[0].prefix',
    );
    expect(issue?.message).toMatch(/must name a dump folder for layout "prefix"/);
  });

  it('still accepts prefix "" for velero (backups/ at the bucket root)', () => {
    expect(() => parseConfig(withTargets(target('v', 'bkt', '', 'velero')))).not.toThrow();
  });
});

describe('backup-pruner config: retention is what the runtime parses', () => {
  it.each(['123456d', '1000000m'])('rejects %s at synth (parseRetention cannot read it), naming the field', (text) => {
    expect(() => parseRetention(text)).toThrow(RetentionSyntaxError);
    const issue = issuesOf(withTargets(target('a', 'bkt', 'pg/a/', 'barman', { retention: text }))).find(
      (i) => i.path === 'jobs.backupPruner.targets[0].retention',
    );
    expect(issue?.message).toMatch(/must be like "30d"/);
  });

  it.each(['1d', '30d', '4w', '3m', '99999m'])('accepts %s, which the runtime parses', (text) => {
    expect(() => parseConfig(withTargets(target('a', 'bkt', 'pg/a/', 'barman', { retention: text })))).not.toThrow();
    expect(parseRetention(text).text).toBe(text);
  });
});

describe('backup-pruner config: every number has an upper bound, endpoints are http(s)', () => {
  it('rejects freshness.maxBackupAgeHours 1e308 (it wrote "Threshold": null into the template)', () => {
    const raw = example();
    raw.jobs.backupPruner.freshness.maxBackupAgeHours = 1e308;
    expect(issuesOf(raw).map((i) => i.path)).toContain('jobs.backupPruner.freshness.maxBackupAgeHours');
  });

  it.each(['file:///etc/passwd', 'ftp://minio:21', 'javascript:alert(1)'])('rejects endpointUrl %s', (url) => {
    const issue = issuesOf(withTargets(target('a', 'bkt', 'd/', 'prefix', { endpointUrl: url }))).find(
      (i) => i.path === 'jobs.backupPruner.targets[0].endpointUrl',
    );
    expect(issue?.message).toMatch(/http:\/\/ or https:\/\//);
  });

  it('still accepts an http MinIO endpoint', () => {
    expect(() =>
      parseConfig(withTargets(target('a', 'bkt', 'd/', 'prefix', { endpointUrl: 'http://minio:9000' }))),
    ).not.toThrow();
  });
});
