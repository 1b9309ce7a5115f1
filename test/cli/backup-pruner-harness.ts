import { Command, CommanderError } from 'commander';
import { registerBackupPrunerCommand } from '../../cli/commands/backup-pruner';
import type { ObjectStore } from '../../lambdas/backup-pruner/ports';

export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `platform-ops backup-pruner <args>` in this process against an in-memory store (test/doubles), the way
 * bin/cli.ts would: the exit code is the one the subcommand sets, or 2 for a usage error commander reports. process.exitCode is restored.
 */
export async function runBackupPrunerCli(args: readonly string[], store: ObjectStore): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  // The program-wide settings of cli/index.ts buildProgram, inherited by the subcommand.
  const program = new Command('platform-ops')
    .showHelpAfterError('(see --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) });
  registerBackupPrunerCommand(
    program,
    { write: (t) => (stdout += t) },
    { write: (t) => (stderr += t) },
    { storeFor: () => store },
  );
  const before = process.exitCode;
  process.exitCode = undefined;
  let status: number;
  try {
    await program.parseAsync(['backup-pruner', ...args], { from: 'user' });
    status = Number(process.exitCode ?? 0);
  } catch (err) {
    // As bin/cli.ts: a usage error is exit 2, --help 0.
    if (!(err instanceof CommanderError)) throw err;
    status = err.code === 'commander.helpDisplayed' || err.code === 'commander.help' ? 0 : 2;
  } finally {
    process.exitCode = before;
  }
  return { status, stdout, stderr };
}
