import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { type Command, InvalidArgumentError } from 'commander';
import { createVaultSessions, type VaultClientOptions } from '../../lambdas/secret-rotator/adapters/vault';
import {
  secretRotatorConfig,
  secretRotatorConfigWarnings,
  type SecretRotatorConfig,
} from '../../lambdas/secret-rotator/config';
import { redact, redactDeep } from '../../lambdas/secret-rotator/core/redact';
import { runSecretRotator } from '../../lambdas/secret-rotator/job';
import type { RotatorRunResult } from '../../lambdas/secret-rotator/types';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../lib/config';
import { formatTable, printJson, stdout, type Writer } from '../output';

export interface SecretRotatorCliDeps {
  readonly out?: Writer;
  readonly err?: Writer;
  /** The environment (VAULT_ADDR, VAULT_TOKEN); process.env by default. */
  readonly env?: Record<string, string | undefined>;
  /** Where ~/.vault-token is looked for. */
  readonly homeDir?: string;
  /** AWS credentials for IAM auth when no Vault token is at hand (the local chain by default). */
  readonly credentials?: AwsCredentialIdentityProvider | AwsCredentialIdentity;
  readonly clock?: () => Date;
  /** Test hook: backoff sleeps. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A CLI run may take this long in all (Vault calls each have their own deadline inside it). */
const CLI_BUDGET_MS = 10 * 60_000;

/**
 * The job section with the operator's Vault conventions applied: VAULT_ADDR replaces every configured address
 * (one Vault, e.g. a port-forward); the config is validated again after the change.
 */
export function operatorConfig(
  config: SecretRotatorConfig,
  env: Record<string, string | undefined>,
): SecretRotatorConfig {
  const addr = env.VAULT_ADDR?.trim();
  if (!addr) return config;
  const withAddr = <T extends { vault: { address: string } }>(e: T): T => ({
    ...e,
    vault: { ...e.vault, address: addr },
  });
  const result = secretRotatorConfig.safeParse({
    ...config,
    secrets: config.secrets.map(withAddr),
    watch: config.watch.map(withAddr),
  });
  if (!result.success) throw new Error(`VAULT_ADDR=${addr}: ${result.error.issues[0].message}`);
  return result.data;
}

/** VAULT_TOKEN, else ~/.vault-token, else undefined (then AWS IAM auth with the local credential chain). */
export function operatorToken(env: Record<string, string | undefined>, home: string): string | undefined {
  const fromEnv = env.VAULT_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  try {
    const t = readFileSync(join(home, '.vault-token'), 'utf8').trim();
    return t || undefined;
  } catch {
    return undefined;
  }
}

/** `status --json`: one row per managed and watched secret. */
export function statusJson(result: RotatorRunResult) {
  return {
    secrets: [
      ...result.results.map((r) => ({
        secret: r.secret,
        kind: 'managed' as const,
        version: r.version ?? null,
        notAfter: r.notAfter ?? null,
        daysLeft: r.daysLeft ?? null,
        due: r.action === 'failed' ? null : (r.due ?? null),
        rotatedAt: r.rotatedAt ?? null,
        reason: r.reason,
      })),
      ...result.watched.map((w) => ({
        secret: w.secret,
        kind: 'watched' as const,
        version: w.version ?? null,
        notAfter: w.notAfter ?? null,
        daysLeft: w.daysLeft ?? null,
        due: null,
        rotatedAt: null,
        reason: w.reason,
      })),
    ],
  };
}

/** `rotate --json`. In a dry run, a due secret's action is "would-rotate". */
export function rotateJson(result: RotatorRunResult) {
  return {
    dryRun: result.dryRun,
    results: result.results.map((r) => ({
      secret: r.secret,
      action: r.action,
      reason: r.reason,
      version: r.version ?? null,
      notAfter: r.notAfter ?? null,
      serial: r.serial ?? null,
      notes: r.notes,
      ...(r.written ? { written: r.written } : {}),
    })),
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerSecretRotatorCommand(program: Command, deps: SecretRotatorCliDeps = {}): void {
  const out = deps.out ?? stdout;
  const err = deps.err ?? { write: (t: string) => process.stderr.write(t) };
  const env = deps.env ?? process.env;
  const cmd = program
    .command('secret-rotator')
    .description(
      'mTLS key material in Vault KV v2: show expiry and due state, rotate by hand (dry-run unless --execute)',
    );

  const prepare = (configPath: string) => {
    const suite = loadConfig(configPath);
    const section = suite.jobs.secretRotator;
    if (!section) throw new Error(`${configPath} has no jobs.secretRotator section`);
    const config = operatorConfig(section, env);
    for (const w of secretRotatorConfigWarnings(config)) err.write(`warning: ${w}\n`);
    const token = operatorToken(env, deps.homeDir ?? homedir());
    const options: VaultClientOptions = {
      auth: token
        ? { kind: 'token', token }
        : { kind: 'aws-iam', credentials: deps.credentials ?? fromNodeProviderChain() },
      timeoutMs: config.vaultTimeoutMs,
      remainingMs: (() => {
        const until = Date.now() + CLI_BUDGET_MS;
        return () => until - Date.now();
      })(),
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
    };
    return {
      config,
      sessions: createVaultSessions({ ...options, onRevokeError: (m) => err.write(`warning: ${redact(m)}\n`) }),
    };
  };
  const runId = () => `cli-${(deps.clock ?? (() => new Date()))().toISOString().replace(/[-:.]/g, '')}`;

  cmd
    .command('status')
    .description(
      'every managed and watched secret: version, not_after, days left, due or not, last rotation (read-only)',
    )
    .option('--config <file>', 'deployment config file', DEFAULT_CONFIG_PATH)
    .option('--json', 'machine-readable output')
    .action(async (options: { config: string; json?: boolean }) => {
      const { config, sessions } = prepare(options.config);
      const result = await runSecretRotator(config, sessions, {
        clock: deps.clock ?? (() => new Date()),
        dryRun: true,
        runId: runId(),
        remainingMs: () => CLI_BUDGET_MS,
      });
      const json = redactDeep(statusJson(result));
      if (options.json) printJson(json, out);
      else
        out.write(
          formatTable(
            json.secrets.map((s) => ({
              secret: s.secret,
              kind: s.kind,
              version: s.version ?? '',
              'not after': s.notAfter ?? '',
              'days left': s.daysLeft ?? '',
              due: s.due === null ? '' : s.due ? 'DUE' : 'no',
              'rotated at': s.rotatedAt ?? '',
              reason: redact(s.reason, 160),
            })),
            ['secret', 'kind', 'version', 'not after', 'days left', 'due', 'rotated at', 'reason'],
          ),
        );
      if (result.results.some((r) => r.action === 'failed') || result.watched.some((w) => w.action === 'failed'))
        process.exitCode = 1;
    });

  cmd
    .command('rotate')
    .description('rotate what is due (dry-run: show what would be rotated and why; --execute writes)')
    .option('--config <file>', 'deployment config file', DEFAULT_CONFIG_PATH)
    .option('--secret <name>', 'only this managed secret (repeatable)', collect)
    .option('--force', 'rotate even when not due')
    .option('--execute', 'write to Vault (otherwise a dry run)')
    .option('--json', 'machine-readable output')
    .action(
      async (options: { config: string; secret?: string[]; force?: boolean; execute?: boolean; json?: boolean }) => {
        const { config, sessions } = prepare(options.config);
        const unknown = (options.secret ?? []).filter((n) => !config.secrets.some((s) => s.name === n));
        if (unknown.length > 0) {
          await sessions.close();
          throw new InvalidArgumentError(
            `--secret: no managed secret named ${unknown.map((n) => JSON.stringify(n)).join(', ')} (known: ${config.secrets.map((s) => s.name).join(', ') || 'none'})`,
          );
        }
        const result = await runSecretRotator(config, sessions, {
          clock: deps.clock ?? (() => new Date()),
          dryRun: !options.execute,
          force: options.force,
          only: options.secret ?? config.secrets.map((s) => s.name),
          runId: runId(),
          remainingMs: () => CLI_BUDGET_MS,
        });
        const json = redactDeep(rotateJson(result));
        if (options.json) printJson(json, out);
        else {
          out.write(`${result.dryRun ? 'DRY RUN (nothing written; --execute to rotate)' : 'EXECUTE'}\n`);
          out.write(
            formatTable(
              json.results.map((r) => ({
                secret: r.secret,
                action: r.action,
                version: r.version ?? '',
                'not after': r.notAfter ?? '',
                serial: r.serial ?? '',
                reason: redact(r.reason, 200),
              })),
              ['secret', 'action', 'version', 'not after', 'serial', 'reason'],
            ),
          );
          for (const r of json.results) for (const n of r.notes) out.write(`  ${r.secret}: ${redact(n, 300)}\n`);
        }
        if (result.results.some((r) => r.action === 'failed')) process.exitCode = 1;
      },
    );
}
