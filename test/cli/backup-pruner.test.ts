import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../lambdas/backup-pruner/adapters/s3-client';
import { S3ObjectStore } from '../../lambdas/backup-pruner/adapters/s3-store';
import { MemoryObjectStore, type MemoryObjects } from '../doubles/memory-object-store';
import { type RunningS3rver, startS3rver } from '../integration/backup-pruner-s3rver';
import { runBackupPrunerCli } from './backup-pruner-harness';
import { NOW, backupInfoText, folder, seg } from '../lambdas/backup-pruner/fixtures';

const ROOT = join(__dirname, '../..');
const PREFIX = 'cnpg/orders-db/';

let server: RunningS3rver;
let client: S3Client;

/** Runs `npx platform-ops backup-pruner ...` exactly as an operator would, against s3rver on loopback. */
function cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/platform-ops-cli.cjs'), 'backup-pruner', ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_REGION: 'us-east-1',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A dry run may plan against a what-if clock (--now). */
const base = () => [...live(PREFIX), '--now', NOW.toISOString()];
/** --execute runs against the real clock only: its layout is relative to the time the tests start. */
const live = (prefix: string) => [
  '--bucket',
  'bkt',
  '--prefix',
  prefix,
  '--layout',
  'barman',
  '--retention',
  '30d',
  '--endpoint-url',
  server.endpoint,
];
const LIVE_PREFIX = 'cnpg/live-db/';
const REAL_NOW = new Date();
const old = folder({ endedDaysAgo: 60, log: 1 });
const edge = folder({ endedDaysAgo: 40, log: 2 });
const newest = folder({ endedDaysAgo: 1, log: 3 });
const liveOld = folder({ endedDaysAgo: 60, log: 1 }, REAL_NOW, LIVE_PREFIX);

beforeAll(async () => {
  server = await startS3rver(['bkt']);
  client = createS3Client({
    endpointUrl: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const put = (Key: string, Body: string) => client.send(new PutObjectCommand({ Bucket: 'bkt', Key, Body }));
  for (const [f, days, log] of [
    [old, 60, 1],
    [edge, 40, 2],
    [newest, 1, 3],
  ] as const) {
    for (const o of f.objects)
      await put(o.key, o.key.endsWith('backup.info') ? backupInfoText({ endedDaysAgo: days, log }) : 'data');
  }
  for (const log of [1, 2, 3]) await put(`${PREFIX}wals/${seg(1, log, 0).slice(0, 16)}/${seg(1, log, 0)}.gz`, 'wal');
  // The same layout again, relative to the real clock, for the --execute tests.
  for (const [days, log] of [
    [60, 1],
    [40, 2],
    [1, 3],
  ] as const) {
    const f = folder({ endedDaysAgo: days, log }, REAL_NOW, LIVE_PREFIX);
    for (const o of f.objects)
      await put(
        o.key,
        o.key.endsWith('backup.info') ? backupInfoText({ endedDaysAgo: days, log }, {}, REAL_NOW) : 'data',
      );
    await put(`${LIVE_PREFIX}wals/${seg(1, log, 0).slice(0, 16)}/${seg(1, log, 0)}.gz`, 'wal');
  }
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await server?.close();
});

async function keys(prefix = PREFIX): Promise<string[]> {
  const store = new S3ObjectStore(client, 'bkt');
  const all: string[] = [];
  for await (const page of store.listPages(prefix)) all.push(...page.map((o) => o.key));
  return all;
}

describe('platform-ops backup-pruner', () => {
  it('--json prints one object with the plan and deletes nothing without --execute', async () => {
    const run = await cli(...base(), '--json');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({
      dryRun: true,
      layout: 'barman',
      objectsToDelete: 4, // the old backup's 2 objects and the 2 WALs before the edge backup's begin_wal
      deleted: 0,
      errors: [],
      backups: [
        { id: old.id, action: 'delete', reason: expect.stringMatching(/older than/) },
        { id: edge.id, action: 'keep', reason: expect.stringMatching(/window edge/) },
        { id: newest.id, action: 'keep', reason: expect.stringMatching(/newest DONE/) },
      ],
    });
    expect(await keys()).toHaveLength(9);
  });

  it('prints a readable table for people', async () => {
    const run = await cli(...base());
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^DRY RUN \(add --execute to delete\): barman at s3:\/\/bkt\/cnpg\/orders-db\//);
    expect(run.stdout).toMatch(/ID\s+ACTION\s+STATUS\s+TIME\s+OBJECTS\s+SIZE\s+REASON/);
    expect(run.stdout).toMatch(new RegExp(`${old.id}\\s+delete\\s+DONE`));
    expect(run.stdout).toMatch(/WAL: 3 objects; cutoff 000000010000000200000002; 2 to delete/);
  });

  it('refuses --now together with --execute (exit 2, names both flags, deletes nothing)', async () => {
    const run = await cli(...base(), '--execute', '--json');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--now .*--execute|--execute .*--now/);
    expect(run.stdout).toBe('');
    expect(await keys()).toHaveLength(9);
  });

  it('refuses a plan above --max-deletes and exits 1', async () => {
    const run = await cli(...live(LIVE_PREFIX), '--execute', '--max-deletes', '2', '--json');
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ deleted: 0, capExceeded: { planned: 4, cap: 2 } });
    expect(await keys(LIVE_PREFIX)).toHaveLength(9);
  });

  it('--execute deletes the plan', async () => {
    const run = await cli(...live(LIVE_PREFIX), '--execute', '--json');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ dryRun: false, deleted: 4, errors: [] });
    const remaining = await keys(LIVE_PREFIX);
    expect(remaining).toHaveLength(5);
    expect(remaining.some((k) => k.includes(liveOld.id))).toBe(false);
    // The what-if layout was never touched.
    expect(await keys()).toHaveLength(9);
  });

  it('refuses --layout prefix with --prefix "" (the whole bucket)', async () => {
    const run = await cli('--bucket', 'bkt', '--prefix', '', '--layout', 'prefix', '--retention', '1d');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--prefix must name a dump folder for layout "prefix"/);
    expect(await keys()).toHaveLength(9);
  });

  it('names the bad flag', async () => {
    const run = await cli('--bucket', 'bkt', '--prefix', PREFIX, '--layout', 'barman', '--retention', '30 days');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--retention must be like "30d"/);
  });

  it('--purge-versions on a store without ListObjectVersions (s3rver): refused while planning, JSON printed, exit 1', async () => {
    // The plan itself learns that the store cannot list versions: a dry run already says so.
    const run = await cli(...base(), '--purge-versions', '--json');
    expect(run.status).toBe(1);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ dryRun: true, deleted: 0, versionsDeleted: 0 });
    expect(out.refused).toMatch(/purgeVersions needs ListObjectVersions/);
    expect(run.stderr).toMatch(/hint: drop --purge-versions/);
    expect(await keys()).toHaveLength(9);
  });

  it('a parse error is bad usage: one line and "see --help", exit 2 (not 40 lines of help)', async () => {
    const run = await cli(...base(), '--max-deletes', '-1');
    expect(run.status).toBe(2);
    expect(
      run.stderr
        .trim()
        .split('\n')
        .filter(
          (l) =>
            !/Warning|node|^$|upgrade|a\.co|trace-warnings|versions published|AWS services|security updates/.test(l),
        ),
    ).toEqual([
      expect.stringMatching(/^error: option '--max-deletes <n>' argument '-1' is invalid/),
      '(see --help for usage)',
    ]);
  });
});

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const BEL_OR_RLO = /[\u0007\u202e]/;

describe('platform-ops backup-pruner in process (in-memory store)', () => {
  class FailingLooseStore extends MemoryObjectStore {
    private calls = 0;
    override async deleteKeys(keys: readonly string[], shouldStop?: () => boolean) {
      // Data and manifests go; the WAL phase throws (a store that goes away mid-run).
      if (++this.calls === 3)
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' });
      return super.deleteKeys(keys, shouldStop);
    }
  }
  const objects = (now: Date): MemoryObjects => {
    const m: MemoryObjects = new Map();
    [60, 40, 1].forEach((days, i) => {
      for (const o of folder({ endedDaysAgo: days, log: i + 1 }, now).objects)
        m.set(o.key, {
          size: o.size,
          body: o.key.endsWith('backup.info') ? backupInfoText({ endedDaysAgo: days, log: i + 1 }, {}, now) : 'd',
        });
      m.set(`${PREFIX}wals/${seg(1, i + 1, 0).slice(0, 16)}/${seg(1, i + 1, 0)}`, { size: 16, body: 'w' });
    });
    return m;
  };
  const args = ['--bucket', 'bkt', '--prefix', PREFIX, '--layout', 'barman', '--retention', '30d', '--execute'];

  it('a phase that fails after deleting prints the table with what was deleted and exits 1', async () => {
    const run = await runBackupPrunerCli(args, new FailingLooseStore(objects(new Date())));
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^EXECUTE: barman/);
    expect(run.stdout).toMatch(/Deleted: 2 object\(s\)/);
    expect(run.stdout).toMatch(
      /FAILED: the loose phase failed after 2 object\(s\) and 0 version\(s\) were deleted: ECONNREFUSED/,
    );
    expect(run.stderr).toMatch(/hint: check --endpoint-url/);
  });

  it('keys and store messages reach the terminal sanitised: no bidi override, no control character', async () => {
    const now = new Date();
    const store = new MemoryObjectStore(objects(now), () => true);
    const run = await runBackupPrunerCli(args, store);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/error: .*: AccessDenied: locked/);
    const evil = new MemoryObjectStore(new Map([[`${PREFIX}base/x\u202e\u0007/data`, { size: 1, body: 'd' }]]));
    const json = await runBackupPrunerCli([...args, '--json'], evil);
    expect(json.stdout).not.toMatch(BEL_OR_RLO);
    expect(json.stdout).toContain('\\u202e');
    const human = await runBackupPrunerCli(args, evil);
    expect(human.stdout).not.toMatch(BEL_OR_RLO);
  });
});
