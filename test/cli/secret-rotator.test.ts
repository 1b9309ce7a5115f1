import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerSecretRotatorCommand, type SecretRotatorCliDeps } from '../../cli/commands/secret-rotator';
import { exampleConfig } from '../lib/infra-helpers';
import { makeCa, type TestCa } from '../doubles/test-ca';
import { TEST_CREDENTIALS, VaultStandIn } from '../doubles/vault-stand-in';

const ROOT = join(__dirname, '../..');
const ROLE = 'platform-ops-secret-rotator';
let vault: VaultStandIn;
let ca: TestCa;
let dir: string;
let configPath: string;

beforeAll(async () => {
  ca = await makeCa('Mesh CA');
});
beforeEach(async () => {
  vault = new VaultStandIn();
  vault.addLoginRole(
    ROLE,
    {
      boundIamPrincipalArn: TEST_CREDENTIALS.arn,
      policy: { 'secret/*': ['create', 'read', 'update'], 'pki_int/sign/mesh': ['update'] },
    },
    TEST_CREDENTIALS,
  );
  vault.addPkiMount('pki_int', ca);
  vault.addPkiRole('pki_int', 'mesh', {
    allowedDomains: ['mesh.local', 'svc.cluster.local'],
    allowSubdomains: true,
    allowedUriSans: ['spiffe://mesh.local/*'],
  });
  const anchor = await makeCa('mesh trust anchor');
  vault.putSecret('secret', 'mesh/trust-anchor', { 'tls.crt': anchor.certPem, 'tls.key': anchor.key.privateKeyPem });
  await vault.start();
  // The example config, whose Vault (https://vault.example.com:8200) VAULT_ADDR replaces with the stand-in.
  dir = mkdtempSync(join(tmpdir(), 'rot-cli-'));
  configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(exampleConfig()));
});
afterEach(() => vault.stop());

async function cli(args: string[], deps: Partial<SecretRotatorCliDeps> = {}) {
  let stdout = '';
  let stderr = '';
  const program = new Command().exitOverride();
  registerSecretRotatorCommand(program, {
    out: { write: (t) => void (stdout += t) },
    err: { write: (t) => void (stderr += t) },
    env: { VAULT_ADDR: vault.address },
    homeDir: dir,
    credentials: TEST_CREDENTIALS,
    sleep: async () => undefined,
    ...deps,
  });
  process.exitCode = undefined;
  await program.parseAsync(['node', 'platform-ops', 'secret-rotator', ...args, '--config', configPath]);
  const status = process.exitCode ?? 0;
  process.exitCode = undefined;
  return { stdout, stderr, status };
}

describe('platform-ops secret-rotator', () => {
  it('status --json lists every managed and watched secret in the documented shape (IAM auth, token revoked)', async () => {
    const { stdout, status, stderr } = await cli(['status', '--json']);
    // VAULT_ADDR points at the loopback stand-in over plain http: said once per entry, on stderr.
    expect(stderr).toMatch(/^(warning: [^\n]* is plain http: [^\n]*\n){3}$/);
    expect(status).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.secrets.map((s: any) => [s.secret, s.kind, s.due])).toEqual([
      ['payments-mtls', 'managed', true],
      ['linkerd-identity-issuer', 'managed', true],
      ['mesh-trust-anchor', 'watched', null],
    ]);
    expect(Object.keys(json.secrets[2])).toEqual([
      'secret',
      'kind',
      'version',
      'notAfter',
      'daysLeft',
      'due',
      'rotatedAt',
      'reason',
    ]);
    expect(json.secrets[2]).toMatchObject({ version: 1, daysLeft: expect.any(Number) });
    expect(vault.revoked).toHaveLength(1);
    expect(vault.requests.filter((r) => r.method !== 'GET' && r.path.startsWith('/v1/secret/'))).toEqual([]);
  });

  it('rotate is a dry run by default; --execute --secret rotates only that one; status then shows it fresh', async () => {
    const dry = JSON.parse((await cli(['rotate', '--json'])).stdout);
    expect(dry.dryRun).toBe(true);
    expect(dry.results.map((r: any) => r.action)).toEqual(['would-rotate', 'would-rotate']);
    expect(vault.getMetadata('secret', 'mtls/payments')).toBeUndefined();

    const run = await cli(['rotate', '--execute', '--secret', 'payments-mtls', '--json']);
    const done = JSON.parse(run.stdout);
    expect(done).toMatchObject({
      dryRun: false,
      results: [{ secret: 'payments-mtls', action: 'rotated', version: 1 }],
    });
    expect(Object.keys(done.results[0]).slice(0, 6)).toEqual([
      'secret',
      'action',
      'reason',
      'version',
      'notAfter',
      'serial',
    ]);
    const status = JSON.parse((await cli(['status', '--json'])).stdout);
    expect(status.secrets[0]).toMatchObject({
      secret: 'payments-mtls',
      version: 1,
      due: false,
      rotatedAt: expect.any(String),
    });
    expect(status.secrets[0].daysLeft).toBeGreaterThan(29);

    const again = JSON.parse((await cli(['rotate', '--execute', '--secret', 'payments-mtls', '--json'])).stdout);
    expect(again.results[0]).toMatchObject({ action: 'skipped', version: 1 });
    const forced = JSON.parse(
      (await cli(['rotate', '--execute', '--force', '--secret', 'payments-mtls', '--json'])).stdout,
    );
    expect(forced.results[0]).toMatchObject({ action: 'rotated', version: 2, reason: 'forced (--force)' });
  });

  it('uses VAULT_TOKEN, else ~/.vault-token, instead of IAM auth, and never revokes it', async () => {
    const token = vault.issueToken({ 'secret/*': ['read'] });
    await cli(['status', '--json'], { env: { VAULT_ADDR: vault.address, VAULT_TOKEN: token } });
    writeFileSync(join(dir, '.vault-token'), `${token}\n`);
    await cli(['status', '--json'], { env: { VAULT_ADDR: vault.address } });
    expect(vault.requests.some((r) => r.path.endsWith('/login'))).toBe(false);
    expect(vault.revoked).toEqual([]);
    expect(vault.tokens.has(token)).toBe(true);
  });

  it('shows a table for people, exits 1 when a secret fails, and never prints the private key', async () => {
    await cli(['rotate', '--execute', '--secret', 'payments-mtls']);
    vault.interceptors.push(({ path }) =>
      path.includes('/sign/')
        ? { status: 400, body: { errors: ['common name payments.mesh.local not allowed by this role'] } }
        : undefined,
    );
    const table = await cli(['rotate', '--execute', '--force']);
    expect(table.status).toBe(1);
    expect(table.stdout.split('\n')[0]).toBe('EXECUTE');
    expect(table.stdout).toMatch(/payments-mtls\s+failed\s+1\s/);
    expect(table.stdout).toContain('the role does not allow the name "payments.mesh.local"');
    const outputs = [table.stdout, (await cli(['status'])).stdout, (await cli(['status', '--json'])).stdout];
    const key = String(vault.getSecret('secret', 'mtls/payments')!['tls.key']);
    for (const text of outputs) {
      expect(text).not.toContain('PRIVATE KEY');
      for (const line of key.split('\n').slice(1, -2)) expect(text).not.toContain(line);
    }
  });

  it('names an unknown --secret', async () => {
    await expect(cli(['rotate', '--secret', 'nope'])).rejects.toThrow(
      '--secret: no managed secret named "nope" (known: payments-mtls, linkerd-identity-issuer)',
    );
  });

  it('the real binary honours VAULT_ADDR and VAULT_TOKEN', async () => {
    const token = vault.issueToken({ 'secret/*': ['read'] });
    const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [join(ROOT, 'bin/platform-ops-cli.cjs'), 'secret-rotator', 'status', '--json', '--config', configPath],
        {
          cwd: ROOT,
          env: { ...process.env, NODE_OPTIONS: '', VAULT_ADDR: vault.address, VAULT_TOKEN: token, HOME: dir },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    expect(result.stderr).toMatch(/^(warning: [^\n]* is plain http: [^\n]*\n){3}$/);
    expect(JSON.parse(result.stdout).secrets).toHaveLength(3);
    expect(vault.requests.some((r) => r.path.endsWith('/login'))).toBe(false);
  });
});
