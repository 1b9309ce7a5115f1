import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PrunerTarget } from '../../lambdas/backup-pruner/job';
import { runPruner } from '../../lambdas/backup-pruner/job';
import { createS3Client } from '../../lambdas/backup-pruner/adapters/s3-client';
import { S3ObjectStore } from '../../lambdas/backup-pruner/adapters/s3-store';
import { DAY, NOW, backupId, backupInfoText, seg } from '../lambdas/backup-pruner/fixtures';
import { type RunningS3rver, startS3rver } from './backup-pruner-s3rver';

/**
 * The real S3 protocol on loopback (s3rver): a generated barman layout of more than 2,500 objects (three
 * ListObjectsV2 pages, two WAL delete batches) and a Velero layout, planned, dry-run, executed, and then listed
 * again to assert exactly which keys remain.
 */
const BUCKET = 'cnpg-backups';
const VELERO_BUCKET = 'velero';
const ROOT = 'cnpg/orders-db/';

let server: RunningS3rver;
let client: S3Client;

async function putAll(bucket: string, objects: ReadonlyMap<string, string>): Promise<void> {
  const entries = [...objects.entries()];
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const [key, body] = entries[next++];
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

async function listAll(bucket: string, prefix = ''): Promise<string[]> {
  const store = new S3ObjectStore(client, bucket);
  const keys: string[] = [];
  for await (const page of store.listPages(prefix)) keys.push(...page.map((o) => o.key));
  return keys.sort();
}

/** Ten weekly-ish backups, each starting on its own WAL log (1..10); ten full logs of 256 WAL segments. */
function barmanLayout() {
  const objects = new Map<string, string>();
  const endedDaysAgo = [70, 63, 56, 49, 42, 35, 28, 21, 14, 1];
  const ids: string[] = [];
  endedDaysAgo.forEach((days, i) => {
    const log = i + 1;
    const id = backupId(new Date(NOW.getTime() - days * DAY - 600_000));
    ids.push(id);
    objects.set(`${ROOT}base/${id}/data.tar.gz`, 'pgdata');
    if (i === 0) objects.set(`${ROOT}base/${id}/data_0001.tar.gz`, 'pgdata part 2');
    objects.set(`${ROOT}base/${id}/16384.tar.gz`, 'tablespace');
    objects.set(`${ROOT}base/${id}/backup.info`, backupInfoText({ endedDaysAgo: days, log }));
    objects.set(`${ROOT}wals/${seg(1, log, 2).slice(0, 16)}/${seg(1, log, 2)}.00000028.backup.gz`, 'label');
  });
  // A FAILED backup older than everything and a backup still in progress (no backup.info): both untouched.
  const failedId = backupId(new Date(NOW.getTime() - 80 * DAY));
  objects.set(`${ROOT}base/${failedId}/data.tar.gz`, 'partial');
  objects.set(`${ROOT}base/${failedId}/backup.info`, backupInfoText({ endedDaysAgo: 80, status: 'FAILED' }));
  const runningId = backupId(new Date(NOW.getTime() - 3_600_000));
  objects.set(`${ROOT}base/${runningId}/data.tar.gz`, 'in progress');
  for (let log = 1; log <= 10; log++) {
    for (let s = 0; s < 256; s++) objects.set(`${ROOT}wals/${seg(1, log, s).slice(0, 16)}/${seg(1, log, s)}.gz`, 'wal');
  }
  objects.set(`${ROOT}wals/${seg(1, 3, 0x80).slice(0, 16)}/${seg(1, 3, 0x80)}.partial`, 'partial wal');
  objects.set(`${ROOT}wals/00000001.history`, 'history');
  objects.set(`${ROOT}wals/00000002.history`, 'history');
  // Another server next to this one must never be touched.
  objects.set('cnpg/other-db/wals/0000000100000001/000000010000000100000001.gz', 'other');
  return { objects, ids, failedId, runningId };
}

function veleroLayout() {
  const objects = new Map<string, string>();
  const manifest = (name: string, expiresDaysAgo: number) =>
    JSON.stringify({
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name, namespace: 'velero' },
      spec: { ttl: '720h0m0s' },
      status: { phase: 'Completed', expiration: new Date(NOW.getTime() - expiresDaysAgo * DAY).toISOString() },
    });
  const backup = (name: string, expiresDaysAgo: number | undefined) => {
    for (const f of [
      `${name}.tar.gz`,
      `${name}-logs.gz`,
      `${name}-podvolumebackups.json.gz`,
      `${name}-volumesnapshots.json.gz`,
      `${name}-results.gz`,
    ]) {
      objects.set(`prod/backups/${name}/${f}`, 'x');
    }
    if (expiresDaysAgo !== undefined)
      objects.set(`prod/backups/${name}/velero-backup.json`, manifest(name, expiresDaysAgo));
  };
  backup('daily-20250501', 30);
  backup('daily-20250502', 29);
  backup('daily-20250620', 3);
  backup('daily-20250629', -29);
  backup('half-deleted', undefined);
  for (let i = 0; i < 40; i++) objects.set(`prod/kopia/default/p${String(i).padStart(3, '0')}`, 'pack');
  objects.set('prod/kopia/default/kopia.repository', 'repo');
  objects.set('prod/restic/default/config', 'restic');
  objects.set('prod/restores/restore-1/restore-restore-1-logs.gz', 'logs');
  objects.set('prod/metadata/revision', 'rev');
  return objects;
}

beforeAll(async () => {
  server = await startS3rver([BUCKET, VELERO_BUCKET]);
  client = createS3Client({
    endpointUrl: server.endpoint,
    region: 'us-east-1',
    maxAttempts: 3,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await server?.close();
});

describe('barman layout on s3rver', () => {
  const layout = barmanLayout();
  const target: PrunerTarget = {
    name: 'orders-db',
    bucket: BUCKET,
    prefix: ROOT,
    layout: 'barman',
    retention: '30d',
    keepLast: 3,
    graceDays: 7,
    purgeVersions: false,
  };
  const deletedBackups = layout.ids.slice(0, 5);
  const cutoff = seg(1, 6, 2);
  const expectedDeleted = [...layout.objects.keys()].filter((key) => {
    if (!key.startsWith(ROOT)) return false;
    const rel = key.slice(ROOT.length);
    if (rel.startsWith('base/')) return deletedBackups.includes(rel.split('/')[1]);
    const file = rel.split('/').pop() as string;
    return !file.includes('.history') && file.slice(0, 24) < cutoff;
  });

  beforeAll(async () => {
    await putAll(BUCKET, layout.objects);
  }, 120_000);

  it(`has more than 2,500 objects (${layout.objects.size}) so listing and deleting take several requests`, () => {
    expect(layout.objects.size).toBeGreaterThan(2500);
    expect(expectedDeleted.length).toBeGreaterThan(1000);
  });

  it('dry run: plans without deleting anything', async () => {
    const stores: S3ObjectStore[] = [];
    const report = await runPruner({
      targets: [target],
      storeFor: (t) => {
        const s = new S3ObjectStore(client, t.bucket);
        stores.push(s);
        return s;
      },
      now: NOW,
      dryRun: true,
      maxDeletesPerRun: 10_000,
    });
    const t = report.targets[0];
    expect(t.refused).toBeUndefined();
    expect(t.objectsToDelete).toBe(expectedDeleted.length);
    expect(t.deleted).toBe(0);
    expect(t.backups.filter((b) => b.action === 'delete').map((b) => b.id)).toEqual(deletedBackups);
    expect(t.backups.find((b) => b.id === layout.ids[5])?.reason).toMatch(/window edge/);
    expect(t.backups.find((b) => b.id === layout.failedId)?.action).toBe('keep');
    expect(t.backups.find((b) => b.id === layout.runningId)?.reason).toMatch(/no backup.info/);
    expect(t.wal?.cutoff).toBe(cutoff);
    // ⌈N/1000⌉ list pages over the server prefix (other-db is outside it), one GET per backup.info.
    const n = [...layout.objects.keys()].filter((k) => k.startsWith(ROOT)).length;
    expect(stores[0].requests).toEqual({ list: Math.ceil(n / 1000), get: 11, delete: 0, listVersions: 0 });
    expect(await listAll(BUCKET)).toEqual([...layout.objects.keys()].sort());
  });

  it('execute: deletes exactly the planned keys, in batches of ≤ 1000, and nothing else', async () => {
    const stores: S3ObjectStore[] = [];
    const report = await runPruner({
      targets: [target],
      storeFor: (t) => {
        const s = new S3ObjectStore(client, t.bucket);
        stores.push(s);
        return s;
      },
      now: NOW,
      dryRun: false,
      maxDeletesPerRun: 10_000,
    });
    const t = report.targets[0];
    expect(t.errors).toEqual([]);
    expect(t.deleted).toBe(expectedDeleted.length);
    const remaining = await listAll(BUCKET);
    const expectedRemaining = [...layout.objects.keys()].filter((k) => !expectedDeleted.includes(k)).sort();
    expect(remaining).toEqual(expectedRemaining);
    // Phases: data objects (1 request), backup.info (1), WALs (⌈1290/1000⌉ = 2).
    const wals = expectedDeleted.filter((k) => k.includes('/wals/')).length;
    expect(stores[0].requests.delete).toBe(1 + 1 + Math.ceil(wals / 1000));
    // What must survive for PITR: the window-edge backup, its begin_wal and everything after, every history file.
    expect(remaining).toContain(`${ROOT}base/${layout.ids[5]}/backup.info`);
    expect(remaining).toContain(`${ROOT}wals/${cutoff.slice(0, 16)}/${cutoff}.gz`);
    expect(remaining).toContain(`${ROOT}wals/00000001.history`);
    expect(remaining).not.toContain(`${ROOT}wals/${seg(1, 6, 1).slice(0, 16)}/${seg(1, 6, 1)}.gz`);
  });

  it('a second run finds nothing more to delete (idempotent)', async () => {
    const report = await runPruner({
      targets: [target],
      storeFor: (t) => new S3ObjectStore(client, t.bucket),
      now: NOW,
      dryRun: false,
      maxDeletesPerRun: 10_000,
    });
    expect(report.targets[0].objectsToDelete).toBe(0);
    expect(report.targets[0].deleted).toBe(0);
  });
});

describe('velero layout on s3rver', () => {
  const objects = veleroLayout();
  const target: PrunerTarget = {
    name: 'velero-prod',
    bucket: VELERO_BUCKET,
    prefix: 'prod/',
    layout: 'velero',
    keepLast: 3,
    graceDays: 7,
    purgeVersions: false,
  };

  beforeAll(async () => {
    await putAll(VELERO_BUCKET, objects);
  }, 60_000);

  it('deletes only backups/<name>/ folders expired longer than the grace, never kopia/, restic/ or others', async () => {
    const report = await runPruner({
      targets: [target],
      storeFor: (t) => new S3ObjectStore(client, t.bucket),
      now: NOW,
      dryRun: false,
      maxDeletesPerRun: 1000,
    });
    const t = report.targets[0];
    expect(t.backups.map((b) => [b.id, b.action])).toEqual([
      ['daily-20250501', 'delete'],
      ['daily-20250502', 'delete'],
      ['daily-20250620', 'keep'],
      ['daily-20250629', 'keep'],
      ['half-deleted', 'keep'],
    ]);
    expect(t.deleted).toBe(12);
    const remaining = await listAll(VELERO_BUCKET);
    const expected = [...objects.keys()].filter((k) => !k.startsWith('prod/backups/daily-2025050')).sort();
    expect(remaining).toEqual(expected);
  });
});
