/**
 * The zod every Lambda path uses: `zod/mini` (functional checks, tree-shaken to what a bundle uses: ~34 KiB instead of
 * classic zod's ~94 KiB, whose method chains and JSON-schema code do not tree-shake), with zod's English messages
 * configured once here (zod/mini loads no locale by itself). Import it as `import * as z from '../shared/zod'`.
 * The CDK app and the CLI (lib/, cli/) are not bundled into a function and use classic `zod`; both accept these schemas.
 */
import { config } from 'zod/mini';
import { en } from 'zod/v4/locales';

config(en());

export * from 'zod/mini';
