import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * s3rver on 127.0.0.1, port 0. Its ListObjectsV2 continuation tokens use DES, which Node 17+ only offers with
 * --openssl-legacy-provider. When this jest worker already runs with the flag (npm's test:unit sets it), s3rver
 * runs in-process; otherwise it runs in a child Node process started with the flag, so `npx jest` alone works too.
 */
export interface RunningS3rver {
  readonly endpoint: string;
  readonly mode: 'in-process' | 'child-process';
  close(): Promise<void>;
}

const LEGACY = '--openssl-legacy-provider';

export function hasLegacyProvider(): boolean {
  return (process.env.NODE_OPTIONS ?? '').includes(LEGACY) || process.execArgv.includes(LEGACY);
}

export async function startS3rver(buckets: readonly string[]): Promise<RunningS3rver> {
  const directory = mkdtempSync(join(tmpdir(), 'bp-s3rver-'));
  const cleanup = () => rmSync(directory, { recursive: true, force: true });
  if (hasLegacyProvider()) {
    const S3rver = require('s3rver');
    const server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory,
      configureBuckets: buckets.map((name) => ({ name })),
    });
    const { port } = (await server.run()) as { port: number };
    return {
      endpoint: `http://127.0.0.1:${port}`,
      mode: 'in-process',
      close: async () => {
        await server.close();
        cleanup();
      },
    };
  }
  const script = `
    const S3rver = require('s3rver');
    const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: ${JSON.stringify(directory)},
      configureBuckets: ${JSON.stringify(buckets.map((name) => ({ name })))} });
    server.run().then(({ port }) => process.stdout.write(JSON.stringify({ port }) + '\\n'));
    process.stdin.on('end', () => server.close().finally(() => process.exit(0)));
    process.stdin.resume();
  `;
  const child: ChildProcess = spawn(process.execPath, [LEGACY, '-e', script], {
    cwd: process.cwd(),
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`s3rver child exited early (${code})`)));
    child.once('error', reject);
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    mode: 'child-process',
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin?.end();
      await exited;
      cleanup();
    },
  };
}
