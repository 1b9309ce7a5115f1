/**
 * The backup-pruner's bad-input corpus (test/corpus/backup-pruner/*.json): flag sets, catalogs and config sections
 * from issue 9. Every entry point of the job joins here with its own file.
 */
import { ConfigError, parseConfig } from '../../lib/config';
import { runBackupPrunerCli } from '../cli/backup-pruner-harness';
import { MemoryObjectStore, type MemoryObjects } from '../doubles/memory-object-store';
import { PREFIX, type BackupSpec, backupInfoText, folder, seg } from '../lambdas/backup-pruner/fixtures';
import flags from './backup-pruner/flags.json';
import catalogs from './backup-pruner/catalogs.json';
import configs from './backup-pruner/configs.json';

/** What must never reach a terminal raw: C0/C1 controls but the newline, DEL, bidi overrides and isolates. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const TERMINAL_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const BASE = ['--bucket', 'bkt', '--prefix', PREFIX, '--layout', 'barman', '--retention', '30d'];

interface CatalogBackup extends BackupSpec {
  readonly overrides?: Record<string, string>;
}

/** A barman server folder with the given backups (relative to `now`) and 4 WAL segments per backup log. */
function catalog(backups: readonly CatalogBackup[], now: Date): MemoryObjects {
  const objects: MemoryObjects = new Map();
  for (const spec of backups) {
    const f = folder({ ...spec, infoText: undefined, noInfo: false }, now);
    for (const o of f.objects) {
      const body = o.key.endsWith('backup.info')
        ? (spec.infoText ?? backupInfoText(spec, spec.overrides ?? {}, now))
        : 'data';
      objects.set(o.key, { size: o.size, body, lastModified: o.lastModified });
    }
    const log = spec.log ?? 1;
    for (let s = 0; s < 4; s++)
      objects.set(`${PREFIX}wals/${seg(1, log, s).slice(0, 16)}/${seg(1, log, s)}`, { size: 16, body: 'w' });
  }
  return objects;
}

describe('corpus: backup-pruner flags', () => {
  it.each(flags.cases.map((c) => [c.name, c] as const))(
    '%s: exit 2, one line naming it, nothing touched',
    async (_n, c) => {
      const store = new MemoryObjectStore(
        catalog(
          [
            { endedDaysAgo: 60, log: 1 },
            { endedDaysAgo: 1, log: 2 },
          ],
          new Date(),
        ),
      );
      const before = store.objects.size;
      const run = await runBackupPrunerCli([...((c as { base?: string[] }).base ?? BASE), ...c.args], store);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^(error: |backup-pruner: bad usage: )/);
      expect(lines[0]).toContain(c.stderr);
      expect(lines[1]).toBe('(see --help for usage)');
      // What reaches the terminal is sanitised: no controls, no bidi overrides.
      expect(run.stderr).not.toMatch(TERMINAL_UNSAFE);
      expect(store.objects.size).toBe(before);
      expect(store.requests).toEqual({ list: 0, get: 0, delete: 0, listVersions: 0 });
    },
  );
});

describe('corpus: backup-pruner catalogs', () => {
  it.each(catalogs.cases.map((c) => [c.name, c] as const))('%s: refused, nothing deleted, exit 1', async (_n, c) => {
    const store = new MemoryObjectStore(catalog(c.backups as CatalogBackup[], new Date()));
    if ((c as { noVersionListing?: boolean }).noVersionListing)
      store.versionListingError = Object.assign(
        new Error('A header you provided implies functionality that is not implemented'),
        {
          name: 'NotImplemented',
        },
      );
    const before = store.objects.size;
    const human = await runBackupPrunerCli([...BASE, '--execute', ...((c as { args?: string[] }).args ?? [])], store);
    expect(human.status).toBe(1);
    expect(human.stdout).toMatch(/^EXECUTE: barman at s3:\/\/bkt\/cnpg\/orders-db\//);
    expect(human.stdout).toMatch(new RegExp(`REFUSED: nothing deleted: .*${c.refused}`));
    expect(human.stdout).not.toMatch(TERMINAL_UNSAFE);
    const json = await runBackupPrunerCli(
      [...BASE, '--execute', '--json', ...((c as { args?: string[] }).args ?? [])],
      store,
    );
    expect(json.status).toBe(1);
    // --json keeps the data exact but escapes what a terminal would act on (here the U+202E of a status).
    expect(json.stdout).not.toMatch(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ dryRun: false, deleted: 0, errors: [] });
    expect(report.refused).toMatch(new RegExp(c.refused));
    expect(store.deleteOrder).toEqual([]);
    expect(store.objects.size).toBe(before);
  });
});

describe('corpus: backup-pruner config sections', () => {
  const example = () => JSON.parse(JSON.stringify(require('../../config/example.json'))) as Record<string, any>;
  it.each(configs.cases.map((c) => [c.name, c] as const))('%s: rejected naming the field', (_n, c) => {
    const raw = example();
    const section = raw.jobs.backupPruner;
    Object.assign(section, (c as { set?: object }).set ?? {});
    Object.assign(section.targets[0], (c as { target?: object }).target ?? {});
    let issues: readonly { path: string; message: string }[] = [];
    try {
      parseConfig(raw);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      issues = (err as ConfigError).issues;
    }
    expect(issues.map((i) => i.path)).toContain(c.path);
  });
});
