import { build, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { OPS_BUNDLING } from '/work/main/lib/constructs/ops-function';
const plugin: Plugin = {
  name: 'sdk-schema-keys',
  setup(b) {
    b.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ }, async (args) => {
      const src = await readFile(args.path, 'utf8');
      const consts = new Map<string, string>();
      for (const m of src.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)) consts.set(m[1], m[2]);
      let n = 0;
      const out = src.replace(/\[(_\w+)\]:/g, (all, name) => { const v = consts.get(name); if (!v) return all; n++; return `${v}:`; });
      return { contents: out, loader: 'js' };
    });
  },
};
(async () => {
  for (const job of process.argv.slice(2)) {
    const r = await build({ entryPoints: [`/work/main/lambdas/${job}/handler.ts`], outfile: `/tmp/plug-${job}/index.mjs`, bundle: true, platform: 'node', format: 'esm', minify: true, sourcemap: true, sourcesContent: false, target: 'node24', mainFields: ['module', 'main'], external: [...OPS_BUNDLING.externalModules], banner: { js: OPS_BUNDLING.banner }, metafile: true, plugins: [plugin], logLevel: 'silent' });
    const out = Object.values(r.metafile.outputs).find((o) => o.entryPoint)!;
    console.log(job, (out.bytes / 1024).toFixed(1), 'KiB');
  }
})();
