import { Command } from 'commander';
import { registerBackupPrunerCommand } from '../../cli/commands/backup-pruner';
import type { ObjectStore } from '../../lambdas/backup-pruner/ports';

class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `platform-ops backup-pruner <args>` in this process against an in-memory store (test/doubles), the way
 * bin/cli.ts would: the exit code is the one the subcommand exits with or sets. process.exitCode is restored.
 */
export async function runBackupPrunerCli(args: readonly string[], store: ObjectStore): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const program = new Command('platform-ops').exitOverride();
  registerBackupPrunerCommand(
    program,
    { write: (t) => (stdout += t) },
    { write: (t) => (stderr += t) },
    {
      storeFor: () => store,
      exit: (code) => {
        throw new Exited(code);
      },
    },
  );
  const before = process.exitCode;
  process.exitCode = undefined;
  let status: number;
  try {
    await program.parseAsync(['backup-pruner', ...args], { from: 'user' });
    status = Number(process.exitCode ?? 0);
  } catch (err) {
    if (!(err instanceof Exited)) throw err;
    status = err.code;
  } finally {
    process.exitCode = before;
  }
  return { status, stdout, stderr };
}
