import { Command } from 'commander';
import { registerAlertNotifierCommand } from './commands/alert-notifier';
import { registerBackupPrunerCommand } from './commands/backup-pruner';
import { registerConfigCommand } from './commands/config';
import { registerEbsAuditCommand } from './commands/ebs-audit';

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
  // Job subcommands register here, one line each.
  registerAlertNotifierCommand(program);
  registerBackupPrunerCommand(program);
  registerEbsAuditCommand(program);

  return program;
}
