/**
 * The bad-input corpus of ebs-audit: bad configs (`jobs.ebsAudit`, refused by the schema synth, `config validate` and
 * the handler share, naming the field) and bad CLI flags (a usage error: exit 2, one line naming the flag and a
 * pointer to --help, nothing on stdout, and no AWS call). Big inputs are generated (GENERATE:* markers).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerEbsAuditCommand } from '../../cli/commands/ebs-audit';
import { exitCodeFor } from '../../cli';
import { ebsAuditConfig } from '../../lambdas/ebs-audit/config';
import { runCli } from '../doubles/cli-process';

interface ConfigCase {
  readonly name: string;
  readonly set: Record<string, unknown>;
  readonly path: string;
  readonly message: string;
}
interface FlagCase {
  readonly name: string;
  readonly args: readonly string[];
  readonly stderr: string;
}

const load = <T>(file: string) => JSON.parse(readFileSync(join(__dirname, 'ebs-audit', file), 'utf8')) as T[];

/** Expands the markers that stand for inputs too big to type. */
function generated(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const [marker, n] = value.split(':');
  const count = Number(n);
  if (marker === 'GENERATE') return Array.from({ length: count }, (_, i) => `tag-${i}`);
  if (marker === 'GENERATE-TEXT') return 'x'.repeat(count);
  if (marker === 'GENERATE-REGIONS') return Array.from({ length: count }, (_, i) => `xx-test-${i + 1}`);
  if (marker === 'GENERATE-LIST') return Array.from({ length: count }, (_, i) => `tag-${i}`).join(',');
  return value;
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let at = target;
  for (const key of keys.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
  at[keys[keys.length - 1]] = value;
}

describe('ebs-audit config corpus: each bad section is refused naming the field', () => {
  const valid = () => ({ enabled: true, accounts: ['123456789012'], regions: ['us-east-1'] });
  it('the base section is valid', () => {
    expect(ebsAuditConfig.safeParse(valid()).success).toBe(true);
  });
  it.each(load<ConfigCase>('configs.json').map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const raw: Record<string, unknown> = valid();
    for (const [path, value] of Object.entries(c.set)) setPath(raw, path, generated(value));
    const r = ebsAuditConfig.safeParse(raw);
    expect(r.success).toBe(false);
    const issues = r.error?.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) ?? [];
    expect(issues).toEqual(expect.arrayContaining([{ path: c.path, message: expect.stringContaining(c.message) }]));
  });
});

describe('ebs-audit flag corpus: exit 2, one line naming the flag, see --help', () => {
  const cases = load<FlagCase>('flags.json').map((c) => ({ ...c, args: c.args.map((a) => String(generated(a))) }));

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    let stderr = '';
    let stdout = '';
    let identityAsked = false;
    const program = new Command('platform-ops')
      .exitOverride()
      .showHelpAfterError('(see --help for usage)')
      .configureOutput({ writeErr: (t) => void (stderr += t), writeOut: (t) => void (stdout += t) });
    registerEbsAuditCommand(program, {
      whoAmI: async () => {
        identityAsked = true;
        return { account: '123456789012', region: 'us-east-1' };
      },
      out: { write: (t) => void (stdout += t) },
      err: { write: (t) => void (stderr += t) },
    });
    const error = await program.parseAsync(['node', 'platform-ops', 'ebs-audit', ...c.args]).catch((e: unknown) => e);
    expect(exitCodeFor(error)).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines).toEqual([expect.stringContaining(c.stderr), '(see --help for usage)']);
    expect(stdout).toBe('');
    expect(identityAsked).toBe(false);
  });

  it.each(cases.slice(0, 2).map((c) => [c.name, c] as const))('as a process: %s', (_name, c) => {
    const r = runCli(['ebs-audit', ...c.args]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(c.stderr);
    expect(r.stdout).toBe('');
  });
});
