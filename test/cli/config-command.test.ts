import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../doubles/cli-process';

const cli = (...args: string[]) => runCli(args);

function tempConfig(value: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'platform-ops-cli-')), 'config.json');
  writeFileSync(file, JSON.stringify(value));
  return file;
}

describe('platform-ops config', () => {
  it('validates the example config', () => {
    const run = cli('config', 'validate');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/config\/example\.json: valid; enabled jobs: alertNotifier, backupPruner, ebsAudit/);
  });

  it('prints each problem with its field path and exits 1', () => {
    const run = cli('config', 'validate', tempConfig({ defaults: { logRetentionDays: 0 }, jobs: { mystery: {} } }));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/2 problem\(s\)/);
    expect(run.stderr).toMatch(/^ {2}defaults\.logRetentionDays: must be one of/m);
    expect(run.stderr).toMatch(/^ {2}jobs\.mystery: unknown job/m);
  });

  it('answers --json with the issues for machines', () => {
    const run = cli('config', 'validate', '--json', tempConfig({ name: 'X' }));
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      valid: false,
      issues: [{ path: 'name', message: expect.stringMatching(/lower-case/) }],
    });
  });

  it('shows the config with defaults filled in', () => {
    const run = cli('config', 'show', tempConfig({}));
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      name: 'platform-ops',
      defaults: { logRetentionDays: 30, retryAttempts: 2 },
    });
  });

  it('has --help for the command and its subcommands', () => {
    expect(cli('--help').stdout).toMatch(/config\s+validate or show a deployment config file/);
    expect(cli('config', 'validate', '--help').stdout).toMatch(
      /Usage: platform-ops config validate \[options\] \[path\]/,
    );
  });

  it('rejects an unknown command with help', () => {
    const run = cli('frobnicate');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
