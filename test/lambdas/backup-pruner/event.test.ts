import { buildPrunerEvent, reportJson, summarizeRun, targetSummary } from '../../../lambdas/backup-pruner/event';
import type { RunReport, TargetReport } from '../../../lambdas/backup-pruner/types';
import { NOW } from './fixtures';

const target = (over: Partial<TargetReport> = {}): TargetReport => ({
  target: 'orders-db',
  layout: 'barman',
  bucket: 'bkt',
  prefix: 'cnpg/orders-db/',
  dryRun: true,
  backups: Array.from({ length: 60 }, (_, i) => ({
    id: `b${i}`,
    action: i % 2 === 0 ? 'delete' : 'keep',
    reason: 'r',
    objects: 2,
    bytes: 10,
  })),
  objectsListed: 200,
  objectsToDelete: 60,
  bytesToFree: 300,
  deleted: 0,
  bytesFreed: 0,
  versionsDeleted: 0,
  errors: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, code: 'AccessDenied', message: 'locked' })),
  warnings: Array.from({ length: 25 }, (_, i) => `w${i}`),
  requests: { list: 1, get: 3, delete: 0, listVersions: 0 },
  ...over,
});

const report = (targets: TargetReport[], over: Partial<RunReport> = {}): RunReport => ({
  dryRun: true,
  maxDeletesPerRun: 10_000,
  objectsToDelete: targets.reduce((n, t) => n + t.objectsToDelete, 0),
  bytesToFree: targets.reduce((n, t) => n + t.bytesToFree, 0),
  deleted: 0,
  errors: targets.reduce((n, t) => n + t.errors.length, 0),
  notStarted: [],
  targets,
  ...over,
});

describe('targetSummary', () => {
  it('names the location and bounds the lists the event carries (the full report is logged)', () => {
    const s = targetSummary(target());
    expect(s).toMatchObject({ target: 'orders-db', layout: 'barman', location: 's3://bkt/cnpg/orders-db/' });
    expect(s.backupsToDelete).toHaveLength(30);
    expect(s.backupsToDelete[0]).toBe('b0');
    expect(
      targetSummary(target({ backups: target().backups.map((b) => ({ ...b, action: 'delete' })) })).backupsToDelete,
    ).toHaveLength(50);
    expect(s.errors).toHaveLength(20);
    expect(s.warnings).toHaveLength(20);
  });
});

describe('buildPrunerEvent', () => {
  it('is one ops event with the run summary and one target summary per target', () => {
    const r = report([target(), target({ target: 'other', errors: [], warnings: [] })]);
    const event = buildPrunerEvent(r, { account: '123456789012', region: 'eu-west-1', now: NOW });
    expect(event).toMatchObject({
      source: 'backup-pruner',
      kind: summarizeRun(r).kind,
      severity: 'warning',
      summary: summarizeRun(r).summary,
      account: '123456789012',
      region: 'eu-west-1',
      time: NOW.toISOString(),
    });
    expect((event.details as { targets: unknown[] }).targets).toEqual(r.targets.map(targetSummary));
  });
});

describe('reportJson', () => {
  it('is the one target in full with the run flags (the CLI --json shape)', () => {
    const t = target();
    const json = reportJson(report([t], { capExceeded: { planned: 60, cap: 10 } }));
    expect(Object.keys(json).slice(0, 8)).toEqual([
      'dryRun',
      'layout',
      'backups',
      'objectsToDelete',
      'bytesToFree',
      'deleted',
      'errors',
      'bucket',
    ]);
    expect(json).toMatchObject({ dryRun: true, capExceeded: { planned: 60, cap: 10 }, requests: t.requests });
    expect(json.backups).toHaveLength(60);
    expect(json.errors).toHaveLength(30);
  });
});
