import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { awsAccountId, awsRegion } from '../../lambdas/shared/config';
import {
  EBS_AUDIT_MARK_TAG_KEY,
  EBS_AUDIT_PRICE_SOURCES,
  ebsAuditConfig,
  type EbsAuditPriceSourceSetting,
} from '../../lambdas/ebs-audit/config';
import { sdkClientFactory } from '../../lambdas/ebs-audit/adapters/clients';
import { priceResolverFor } from '../../lambdas/ebs-audit/adapters/price-resolver';
import { buildJsonReport, usd, volumesToCsv } from '../../lambdas/ebs-audit/core/report';
import { summarizeAudit } from '../../lambdas/ebs-audit/core/summary';
import { compareByCost } from '../../lambdas/ebs-audit/core/volumes';
import { runAudit } from '../../lambdas/ebs-audit/job';
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
  pricing: EbsAuditPriceSourceSetting;
  format: 'table' | 'csv' | 'json';
}

function listOf(name: string, schema: typeof awsAccountId) {
  return (value: string): string[] => {
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length === 0) throw new InvalidArgumentError(`${name} needs at least one value`);
    for (const item of items) {
      const r = schema.safeParse(item);
      if (!r.success) throw new InvalidArgumentError(`${name}: "${item}" ${r.error.issues[0].message}`);
    }
    return items;
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
        .argParser(listOf('--accounts', awsAccountId))
        .conflicts('org'),
    )
    .addOption(new Option('--org', 'every ACTIVE account of the AWS Organization (management or delegated admin)'))
    .addOption(
      new Option(
        '--regions <codes>',
        'comma-separated regions (default: every region enabled in each account)',
      ).argParser(listOf('--regions', awsRegion)),
    )
    .option('--role-name <name>', 'role to assume in accounts other than the current one', defaults.memberRoleName)
    .option('--external-id <id>', 'ExternalId the member role requires')
    .addOption(
      new Option('--owner-tags <keys>', 'tags naming the owner, first match wins')
        .default(defaults.ownerTags, defaults.ownerTags.join(','))
        .argParser((v: string) =>
          v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ),
    )
    .addOption(
      new Option('--exclude-tag <key=value>', 'volumes with this tag are reported as excluded')
        .default(defaults.excludeTag, `${defaults.excludeTag.key}=${defaults.excludeTag.value}`)
        .argParser((v: string) => {
          const i = v.indexOf('=');
          if (i < 1) throw new InvalidArgumentError('--exclude-tag must be key=value');
          return { key: v.slice(0, i), value: v.slice(i + 1) };
        }),
    )
    .addOption(
      new Option('--concurrency <n>', 'account×region scans in flight')
        .default(defaults.concurrency)
        .argParser((v: string) => {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('--concurrency must be 1-64');
          return n;
        }),
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
    .action(async (options: Options) => {
      const me = await (deps.whoAmI ?? localIdentity)();
      const now = (deps.now ?? (() => new Date()))();
      const runId = `cli-${now.toISOString().replace(/[-:.]/g, '')}`;
      const factory = (deps.factory ?? sdkClientFactory)(me.region);
      const pricing = priceResolverFor(options.pricing, () => factory.pricing(), now);
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
        scanMarked: false,
        pricing: pricing.resolver,
      }).finally(pricing.close);
      if (options.format === 'json') out.write(`${buildJsonReport(result)}\n`);
      else if (options.format === 'csv') out.write(volumesToCsv(result.volumes));
      else out.write(renderAuditTable(result));
      if (options.format !== 'table' && result.notAudited.length > 0) {
        err.write(
          `warning: ${result.notAudited.length} account/region(s) not audited:\n` +
            result.notAudited.map((g) => `  ${g.account} ${g.region}: ${g.reason}\n`).join(''),
        );
      }
    });
}
