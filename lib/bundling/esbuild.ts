/**
 * How every job's handler is bundled: one place for the esbuild options and the one plugin, used by the CDK app
 * (OpsFunction bundles through `lib/bundling/cli.ts` in a child process, since synth is synchronous and esbuild's
 * plugins run only in its asynchronous API), by the bundle tests and by the cold-init benchmark, so all three measure
 * the bytes that are deployed.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';

/** Credential providers of the SDK's default chain that a Lambda function never reaches (left out of bundles). */
export const LAMBDA_UNREACHED_CREDENTIAL_PROVIDERS = [
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/nested-clients',
  '@aws-sdk/token-providers',
  '@smithy/credential-provider-imds',
];

/** Node version the bundles are compiled for (the functions run nodejs24.x). */
export const BUNDLE_TARGET = 'node24';

/**
 * The esbuild options of every function: one minified ESM file with a source map (no sources inside), the AWS SDK
 * bundled so the deployed code runs the versions that were tested, not whatever the runtime ships. Left out: only the
 * credential providers the SDK's default chain reaches by dynamic import when the environment holds no credentials,
 * which never happens in Lambda (the runtime sets AWS_ACCESS_KEY_ID/SECRET/SESSION_TOKEN, read by the bundled env
 * provider first); test/bundle/bundle-credentials.test.ts checks a bundle still signs with the Lambda environment's keys.
 */
export const OPS_ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  target: BUNDLE_TARGET,
  mainFields: ['module', 'main'],
  external: LAMBDA_UNREACHED_CREDENTIAL_PROVIDERS,
  // CommonJS dependencies inside an ESM bundle may call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'silent',
} as const satisfies BuildOptions;

/** An AWS SDK client's generated schema module (`@aws-sdk/client-<service>/dist-es/schemas/schemas_<n>.js`). */
export const SDK_SCHEMA_MODULE = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;

/**
 * Writes the member-trait keys of a generated SDK schema module as the string literals they stand for. The modules
 * declare every name once (`const _xN = "xmlName";`) and key trait objects by it (`{ [_xN]: _bC }`); esbuild must
 * assume a computed key may run code, so it keeps every schema holding one, used or not: 535 of the EC2 client's
 * 540 KiB in every bundle that sends one EC2 command. With the literal (`{ "xmlName": _bC }`) the object is the same
 * and esbuild drops the schemas nothing reaches. Only keys naming a top-level `const` of that module with a plain
 * string value are rewritten; anything else is left as it is (and then merely kept).
 */
export function inlineSchemaKeys(source: string): { contents: string; replaced: number } {
  const names = new Map<string, string>();
  for (const m of source.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)) names.set(m[1], m[2]);
  let replaced = 0;
  const contents = source.replace(/\[(_\w+)\]:/g, (key: string, name: string) => {
    const literal = names.get(name);
    if (literal === undefined) return key;
    replaced += 1;
    return `${literal}:`;
  });
  return { contents, replaced };
}

/** The esbuild plugin applying `inlineSchemaKeys` to every SDK schema module it loads. */
export const sdkSchemaKeysPlugin: Plugin = {
  name: 'platform-ops-sdk-schema-keys',
  setup(b) {
    b.onLoad({ filter: SDK_SCHEMA_MODULE }, (args) => ({
      contents: inlineSchemaKeys(readFileSync(args.path, 'utf8')).contents,
      loader: 'js',
    }));
  },
};

export interface BuiltBundle {
  /** `<outdir>/index.mjs` (its source map beside it, `index.mjs.map`). */
  readonly outfile: string;
  readonly bytes: number;
  readonly metafile: Metafile;
}

export interface BundleOptions {
  /**
   * Leave every `@aws-sdk/*` and `@smithy/*` module out, as if the function used the copy of the SDK the Lambda
   * runtime ships (the cold-init bench compares it with the house choice, the SDK bundled).
   */
  readonly sdkExternal?: boolean;
  /** Build without the schema-key plugin (the bench shows what it saves). */
  readonly withoutSchemaPlugin?: boolean;
}

/** Bundles one handler module into `<outdir>/index.mjs` exactly as it is deployed. */
export async function bundleHandler(entry: string, outdir: string, options: BundleOptions = {}): Promise<BuiltBundle> {
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, 'index.mjs');
  const result = await build({
    ...OPS_ESBUILD_OPTIONS,
    entryPoints: [entry],
    outfile,
    mainFields: [...OPS_ESBUILD_OPTIONS.mainFields],
    external: [...OPS_ESBUILD_OPTIONS.external, ...(options.sdkExternal ? ['@aws-sdk/*', '@smithy/*'] : [])],
    plugins: options.withoutSchemaPlugin ? [] : [sdkSchemaKeysPlugin],
    metafile: true,
  });
  return { outfile, bytes: statSync(outfile).size, metafile: result.metafile };
}
