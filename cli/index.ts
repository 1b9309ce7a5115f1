import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { JOBS } from '../lib/jobs';
import { registerConfigCommand } from './commands/config';

/**
 * Exit codes of every subcommand: 0 the job ran (its output says what it found), 1 the job refused or failed (the
 * message names the stage and a hint), 2 bad usage (unknown flag, missing or malformed value).
 */
export const EXIT = { done: 0, failed: 1, usage: 2 } as const;

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The operator CLI: `npx platform-ops <command> [options]`. Every job's subcommand drives the same core and ports
 * as its Lambda handler, with the operator's own AWS credential chain; anything destructive is dry-run unless asked.
 */
export function buildProgram(): Command {
  const program = new Command('platform-ops')
    .description('Run platform-ops jobs by hand and check deployment config')
    .version(packageVersion(), '-V, --version', 'print the version')
    // One line and a pointer, not 40 lines of help, when a flag is wrong; inherited by every subcommand.
    .showHelpAfterError('(see --help for usage)')
    .exitOverride()
    .configureHelp({ sortSubcommands: true });

  registerConfigCommand(program);
  // One subcommand per job of the registry (lib/jobs/index.ts).
  for (const job of JOBS) job.registerCli(program);

  return program;
}

/** Exit code for an error that reached the top of the CLI: usage errors 2, --help/--version 0, anything else 1. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
      return EXIT.done;
    return EXIT.usage;
  }
  return EXIT.failed;
}
