import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type Command, InvalidArgumentError, Option } from 'commander';
import * as z from 'zod';
import { awsAccountId, awsRegion, MAX_TAGS, resourceName, tagKey, tagValue } from '../../lambdas/shared/config';
import { inStage, StageError } from '../../lambdas/shared/stage-error';
import { sanitizeText } from '../../lambdas/shared/text';
import {
  EBS_AUDIT_LIMITS,
  EBS_AUDIT_MARK_TAG_KEY,
  EBS_AUDIT_PRICE_SOURCES,
  ebsAuditConfig,
  externalIdSchema,
  type EbsAuditPriceSourceSetting,
} from '../../lambdas/ebs-audit/config';
import { sdkClientFactory } from '../../lambdas/ebs-audit/adapters/clients';
import { priceResolverFor } from '../../lambdas/ebs-audit/adapters/price-resolver';
import { buildJsonReport, usd, volumesToCsv } from '../../lambdas/ebs-audit/core/report';
import { summarizeAudit } from '../../lambdas/ebs-audit/core/summary';
import { compareByCost } from '../../lambdas/ebs-audit/core/volumes';
import { runAudit, type AuditProgress } from '../../lambdas/ebs-audit/job';
import type { AuditClientFactory } from '../../lambdas/ebs-audit/ports';
import type { AuditRunOutput } from '../../lambdas/ebs-audit/types';
import { createAwsClient } from '../../lambdas/shared/aws-clients';
import { type Cell, formatTable, type Writer, stdout } from '../output';

const defaults = ebsAuditConfig.parse({ enabled: true, accounts: ['000000000000'], regions: ['us-east-1'] });

export interface EbsAuditCliDeps {
  /** Where the audit starts: the operator's account and region (from the local credential chain by default). */
  readonly whoAmI?: () => Promise<{ account: string; region: string }>;
  readonly factory?: (homeRegion: string) => AuditClientFactory;
  readonly out?: Writer;
  readonly err?: Writer;
  readonly now?: () => Date;
  /** Whether stdout / stderr are terminals (default: the process's); decides how progress is shown. */
  readonly outIsTTY?: boolean;
  readonly errIsTTY?: boolean;
  /** Clock for progress throttling (ms). */
  readonly monotonicMs?: () => number;
}

interface Options {
  accounts?: string[];
  org?: boolean;
  regions?: string[];
  roleName: string;
  externalId?: string;
  ownerTags: string[];
  excludeTag: { key: string; value: string };
  concurrency: number;
  accountConcurrency: number;
  pricing: EbsAuditPriceSourceSetting;
  format: 'table' | 'csv' | 'json';
  json?: boolean;
  progress: boolean;
}

/** A flag value checked with the config's own schema: a bad one is a usage error naming the flag. */
function checked<T>(flag: string, schema: z.core.$ZodType<T>) {
  return (value: string): T => {
    const r = z.safeParse(schema, value);
    if (!r.success)
      throw new InvalidArgumentError(`${flag}: ${JSON.stringify(value.slice(0, 60))} ${r.error.issues[0].message}`);
    return r.data;
  };
}

function listOf(name: string, schema: z.core.$ZodType<string>, max: number) {
  return (value: string): string[] => {
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length === 0) throw new InvalidArgumentError(`${name} needs at least one value`);
    if (items.length > max) throw new InvalidArgumentError(`${name} takes at most ${max} values (got ${items.length})`);
    for (const item of items) checked(name, schema)(item);
    return items;
  };
}

/** A whole number from 1 to `max`, or a usage error naming the flag. */
function count(flag: string, max: number) {
  return (value: string): number => {
    const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${flag} must be 1-${max}`);
    return n;
  };
}

async function localIdentity(): Promise<{ account: string; region: string }> {
  const sts = createAwsClient(STSClient, {});
  try {
    const region = await sts.config.region();
    const me = await sts.send(new GetCallerIdentityCommand({}));
    if (!me.Account) throw new Error('GetCallerIdentity returned no account');
    return { account: me.Account, region };
  } finally {
    sts.destroy();
  }
}

/**
 * Progress on stderr: a bar redrawn in place on a terminal, a plain line at most every 5 s otherwise, nothing when
 * the output is CSV/JSON for a pipe (a machine reads it) or with --no-progress.
 */
export function progressReporter(
  err: Writer,
  mode: 'bar' | 'lines' | 'off',
  nowMs: () => number,
): { update: (p: AuditProgress) => void; finish: () => void } {
  let last = -Infinity;
  let drawn = false;
  const text = (p: AuditProgress) =>
    `${p.accountsDone}/${p.accountsTotal} account(s) entered, ${p.scopesDone}/${p.scopesTotal} account/region(s) scanned, ${p.volumes} unattached volume(s)`;
  return {
    update: (p) => {
      if (mode === 'off') return;
      const now = nowMs();
      const complete = p.accountsDone === p.accountsTotal && p.scopesDone === p.scopesTotal;
      if (mode === 'bar') {
        if (now - last < 100 && !complete) return;
        last = now;
        const total = Math.max(p.scopesTotal, 1);
        const share = p.accountsTotal === 0 ? 1 : (p.accountsDone / p.accountsTotal) * (p.scopesDone / total);
        const filled = Math.round(share * 20);
        err.write(`\r\x1b[2Kebs-audit [${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${text(p)}`);
        drawn = true;
      } else {
        if (now - last < 5_000 && !complete) return;
        last = now;
        err.write(`ebs-audit: ${text(p)}\n`);
      }
    },
    finish: () => {
      if (drawn) err.write('\r\x1b[2K');
    },
  };
}

const line = (text: string) => sanitizeText(text, { max: 400 });

/** Rows for people: most expensive first, with flags spelled out. */
export function auditTableRows(result: AuditRunOutput): Record<string, Cell>[] {
  const sorted = [...result.volumes].sort(compareByCost);
  const costs = sorted.map((v) => (v.monthlyCostUsd === null ? 'unknown' : v.monthlyCostUsd.toFixed(2)));
  const width = Math.max(0, ...costs.map((c) => c.length));
  return sorted.map((v, i) => ({
    // Right-aligned money (the table right-aligns only numbers, and "unknown" is text).
    'USD/month': costs[i].padStart(width),
    account: v.account,
    region: v.region,
    volume: v.volumeId,
    type: v.volumeType ?? '',
    GiB: v.sizeGiB ?? undefined,
    'detached since': v.detachedSince === 'unknown' ? 'unknown' : v.detachedSince.slice(0, 10),
    owner: v.owner ?? '',
    name: v.name ?? '',
    'priced by': v.priceSource === 'none' ? '' : v.priceSource,
    flags: [
      v.excluded ? 'excluded' : '',
      v.kubernetes ? 'kubernetes' : '',
      v.cloudformationStack ? `cfn:${v.cloudformationStack}` : '',
      v.markedDeleteAfter ? `marked:${v.markedDeleteAfter}` : '',
    ]
      .filter(Boolean)
      .join(' '),
  }));
}

const TABLE_COLUMNS = [
  'USD/month',
  'account',
  'region',
  'volume',
  'type',
  'GiB',
  'detached since',
  'owner',
  'name',
  'priced by',
  'flags',
];

export function renderAuditTable(result: AuditRunOutput): string {
  const s = summarizeAudit(result);
  const lines: string[] = [];
  lines.push(
    result.volumes.length > 0 ? formatTable(auditTableRows(result), TABLE_COLUMNS) : 'No unattached volumes found.\n',
  );
  lines.push(
    `Total: ${s.volumeCount} unattached volume(s), ${s.totalSizeGiB} GiB, ${usd(s.totalMonthlyCostUsd)}/month` +
      `${s.unpricedCount > 0 ? ` (+${s.unpricedCount} unpriced: see cost_note in --format csv)` : ''}` +
      `${s.excludedCount > 0 ? `; ${usd(s.reviewableMonthlyCostUsd)}/month without the ${s.excludedCount} excluded` : ''}\n`,
  );
  if (s.perAccount.length > 1) {
    lines.push(
      '\n' +
        formatTable(
          s.perAccount.map((a) => ({
            account: a.account,
            volumes: a.volumes,
            GiB: a.sizeGiB,
            'USD/month': a.monthlyCostUsd
              .toFixed(2)
              .padStart(Math.max(...s.perAccount.map((x) => x.monthlyCostUsd.toFixed(2).length))),
            unpriced: a.unpriced,
          })),
          ['account', 'volumes', 'GiB', 'USD/month', 'unpriced'],
        ),
    );
  }
  lines.push(`\nAudited ${s.auditedScopes} account/region pair(s). Prices: AWS list prices per month.\n`);
  if (s.prices.regions.length > 0) {
    lines.push(
      formatTable(
        s.prices.regions.map((r) => ({
          region: r.region,
          'price source': r.priceSource,
          'as of': r.asOf ?? '',
          note: [r.note ?? '', ...Object.entries(r.unpricedTypes).map(([type, why]) => `${type} unpriced: ${why}`)]
            .filter(Boolean)
            .join('; '),
        })),
        ['region', 'price source', 'as of', 'note'],
      ),
    );
  }
  if (result.notAudited.length > 0) {
    lines.push(`\nNOT audited (${result.notAudited.length}):\n`);
    lines.push(
      formatTable(
        result.notAudited.map((g) => ({ account: g.account, region: g.region, reason: g.reason })),
        ['account', 'region', 'reason'],
      ),
    );
  }
  if (result.warnings.length > 0) {
    lines.push(`\nWarnings (${result.warnings.length}):\n`);
    lines.push(
      formatTable(
        result.warnings.map((g) => ({ account: g.account, region: g.region, reason: g.reason })),
        ['account', 'region', 'reason'],
      ),
    );
  }
  return lines.join('');
}

/**
 * `platform-ops ebs-audit`: the same audit as the Lambda, with the operator's credentials, read-only (it never marks
 * or deletes anything). Table sorted by cost with totals, or CSV/JSON for machines.
 */
export function registerEbsAuditCommand(program: Command, deps: EbsAuditCliDeps = {}): void {
  const out = deps.out ?? stdout;
  const err = deps.err ?? { write: (t: string) => process.stderr.write(t) };
  program
    .command('ebs-audit')
    .description('list unattached EBS volumes across accounts and regions, priced, sorted by cost (read-only)')
    .addOption(
      new Option('--accounts <ids>', 'comma-separated account ids (default: the current account)')
        .argParser(listOf('--accounts', awsAccountId, EBS_AUDIT_LIMITS.accounts))
        .conflicts('org'),
    )
    .addOption(new Option('--org', 'every ACTIVE account of the AWS Organization (management or delegated admin)'))
    .addOption(
      new Option(
        '--regions <codes>',
        'comma-separated regions (default: every region enabled in each account)',
      ).argParser(listOf('--regions', awsRegion, EBS_AUDIT_LIMITS.regions)),
    )
    .addOption(
      new Option('--role-name <name>', 'role to assume in accounts other than the current one')
        .default(defaults.memberRoleName)
        .argParser(checked('--role-name', resourceName)),
    )
    .addOption(
      new Option('--external-id <id>', 'ExternalId the member role requires').argParser(
        checked('--external-id', externalIdSchema),
      ),
    )
    .addOption(
      new Option('--owner-tags <keys>', 'tags naming the owner, first match wins')
        .default(defaults.ownerTags, defaults.ownerTags.join(','))
        .argParser(listOf('--owner-tags', z.string().min(1).max(128), MAX_TAGS)),
    )
    .addOption(
      new Option('--exclude-tag <key=value>', 'volumes with this tag are reported as excluded')
        .default(defaults.excludeTag, `${defaults.excludeTag.key}=${defaults.excludeTag.value}`)
        .argParser((v: string) => {
          const i = v.indexOf('=');
          if (i < 1) throw new InvalidArgumentError('--exclude-tag must be key=value');
          return {
            key: checked('--exclude-tag key', tagKey)(v.slice(0, i)),
            value: checked('--exclude-tag value', tagValue)(v.slice(i + 1)),
          };
        }),
    )
    .addOption(
      new Option('--concurrency <n>', 'account entries and account×region scans in flight, all accounts together')
        .default(defaults.concurrency)
        .argParser(count('--concurrency', EBS_AUDIT_LIMITS.concurrency)),
    )
    .addOption(
      new Option('--account-concurrency <n>', 'account×region scans in flight per account (halved when throttled)')
        .default(defaults.accountConcurrency)
        .argParser(count('--account-concurrency', EBS_AUDIT_LIMITS.accountConcurrency)),
    )
    .addOption(
      new Option(
        '--pricing <source>',
        'where prices come from: the AWS Price List Query API (built-in table if it fails) or the built-in table only',
      )
        .choices([...EBS_AUDIT_PRICE_SOURCES])
        .default(defaults.pricing.source),
    )
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .addOption(new Option('--json', 'same as --format json (as every subcommand has)').conflicts('format'))
    .option('--no-progress', 'no progress on stderr (default: a bar on a terminal, lines otherwise, none for a pipe)')
    .action(async (options: Options) => {
      const format = options.json ? 'json' : options.format;
      const me = await inStage('identity (sts:GetCallerIdentity)', () => (deps.whoAmI ?? localIdentity)());
      const now = (deps.now ?? (() => new Date()))();
      const runId = `cli-${now.toISOString().replace(/[-:.]/g, '')}`;
      const factory = (deps.factory ?? sdkClientFactory)(me.region);
      const pricing = priceResolverFor(options.pricing, () => factory.pricing(), now);
      const outIsTTY = deps.outIsTTY ?? process.stdout.isTTY === true;
      const errIsTTY = deps.errIsTTY ?? process.stderr.isTTY === true;
      const mode = !options.progress || (format !== 'table' && !outIsTTY) ? 'off' : errIsTTY ? 'bar' : 'lines';
      const progress = progressReporter(err, mode, deps.monotonicMs ?? (() => performance.now()));
      const result = await runAudit(factory, {
        runId,
        now,
        homeAccount: me.account,
        homeRegion: me.region,
        accounts: options.org ? 'organization' : (options.accounts ?? [me.account]),
        regions: options.regions ?? 'enabled',
        memberRoleName: options.roleName,
        externalId: options.externalId,
        rules: { ownerTags: options.ownerTags, excludeTag: options.excludeTag, markTagKey: EBS_AUDIT_MARK_TAG_KEY },
        concurrency: options.concurrency,
        accountConcurrency: options.accountConcurrency,
        scanMarked: false,
        pricing: pricing.resolver,
        onProgress: progress.update,
      }).finally(() => {
        pricing.close();
        progress.finish();
      });
      if (format === 'json') out.write(`${buildJsonReport(result)}\n`);
      else if (format === 'csv') out.write(volumesToCsv(result.volumes));
      else out.write(renderAuditTable(result));
      if (format !== 'table' && result.notAudited.length > 0) {
        err.write(
          `warning: ${result.notAudited.length} account/region(s) not audited:\n` +
            result.notAudited.map((g) => `  ${line(`${g.account} ${g.region}: ${g.reason}`)}\n`).join(''),
        );
      }
      // Nothing could be audited: the job failed (exit 1), after saying why above.
      if (result.auditedScopes.length === 0 && result.notAudited.length > 0) {
        const first = result.notAudited[0];
        throw new StageError(
          'audit',
          new Error(`no account/region could be audited (${result.notAudited.length} not); first: ${first.reason}`),
        );
      }
    });
}
