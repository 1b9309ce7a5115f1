#!/usr/bin/env node
import { buildProgram } from '../cli';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    console.error(`platform-ops: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = process.exitCode || 2;
  });
