import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli } from '../doubles/cli-process';

describe('platform-ops (program-wide conventions)', () => {
  it('--version prints the package version and exits 0', () => {
    const run = runCli(['--version']);
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(version);
  });

  it.each([
    ['an unknown flag', ['config', 'validate', '--bogus']],
    ['an unknown command', ['nosuch']],
    ['a missing required option', ['backup-pruner']],
  ])('%s: exit 2, one line and a pointer to --help (not the whole help)', (_name, args) => {
    const run = runCli(args);
    expect(run.status).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[1]).toBe('(see --help for usage)');
    expect(run.stdout).toBe('');
  });

  it('--help exits 0', () => {
    const run = runCli(['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: platform-ops/);
  });
});
