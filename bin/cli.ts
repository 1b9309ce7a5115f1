#!/usr/bin/env node
import { CommanderError } from 'commander';
import { buildProgram, exitCodeFor } from '../cli';

// The AWS SDK warns on every AWS command that its releases after January 2027 need Node 22: say it once, in one line,
// on stderr (never on stdout, where --json output goes). Other warnings print as usual.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'NodeVersionSupportWarning') {
    if (!process.env.PLATFORM_OPS_NODE_NOTE_SHOWN)
      process.stderr.write(
        `platform-ops: note: AWS SDK releases after January 2027 need Node >= 22 (this is ${process.version}); the CLI runs on Node >= 20.19\n`,
      );
    process.env.PLATFORM_OPS_NODE_NOTE_SHOWN = '1';
    return;
  }
  process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    // Commander already printed its own one-line message for usage errors.
    if (!(err instanceof CommanderError))
      console.error(`platform-ops: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = process.exitCode || exitCodeFor(err);
  });
