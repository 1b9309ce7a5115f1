import type { Command } from 'commander';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../../lib/config';
import { printJson, type Writer, stdout } from '../output';

function enabledJobs(config: ReturnType<typeof loadConfig>): string[] {
  return Object.entries(config.jobs)
    .filter(([, job]) => job?.enabled)
    .map(([name]) => name);
}

/** `platform-ops config validate [path]` and `platform-ops config show [path]`. */
export function registerConfigCommand(
  program: Command,
  out: Writer = stdout,
  err: Writer = { write: (t) => process.stderr.write(t) },
): void {
  const config = program.command('config').description('validate or show a deployment config file');

  config
    .command('validate')
    .description('check a config file; prints each problem with its field path and exits 1 if there is any')
    .argument('[path]', 'config file', DEFAULT_CONFIG_PATH)
    .option('--json', 'machine-readable result')
    .action((path: string, options: { json?: boolean }) => {
      try {
        const loaded = loadConfig(path);
        if (options.json) printJson({ path, valid: true, issues: [], enabledJobs: enabledJobs(loaded) }, out);
        else out.write(`${path}: valid; enabled jobs: ${enabledJobs(loaded).join(', ') || 'none'}\n`);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        if (options.json) printJson({ path, valid: false, issues: e.issues }, out);
        else
          err.write(
            `${path}: ${e.issues.length} problem(s)\n${e.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}\n`,
          );
        process.exitCode = 1;
      }
    });

  config
    .command('show')
    .description('print the config with every default filled in, as the stacks will see it')
    .argument('[path]', 'config file', DEFAULT_CONFIG_PATH)
    .action((path: string) => {
      try {
        printJson(loadConfig(path), out);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        err.write(`${e.message}\n`);
        process.exitCode = 1;
      }
    });
}
