import { Command } from 'commander';
import { JOBS } from '../lib/jobs';
import { registerConfigCommand } from './commands/config';

/**
 * The operator CLI: `npx platform-ops <command> [options]`. Every job's subcommand drives the same core and ports
 * as its Lambda handler, with the operator's own AWS credential chain; anything destructive is dry-run unless asked.
 */
export function buildProgram(): Command {
  const program = new Command('platform-ops')
    .description('Run platform-ops jobs by hand and check deployment config')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });

  registerConfigCommand(program);
  // One subcommand per job of the registry (lib/jobs/index.ts).
  for (const job of JOBS) job.registerCli(program);

  return program;
}
