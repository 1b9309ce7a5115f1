#!/usr/bin/env node
// Entry of `npx platform-ops`: runs the TypeScript CLI through tsx, so no build step is needed.
require('tsx/cjs');
require('./cli.ts');
