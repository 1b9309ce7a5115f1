import { type Command, InvalidArgumentError } from 'commander';
import { sdkPorts } from '../../lambdas/node-autoscaler/adapters/clients';
import type { NodeAutoscalerConfig } from '../../lambdas/node-autoscaler/config';
import { decisionRecord } from '../../lambdas/node-autoscaler/event';
import { sanitizeText } from '../../lambdas/shared/text';
import { runNodeAutoscaler } from '../../lambdas/node-autoscaler/job';
import type { NodeAutoscalerPorts } from '../../lambdas/node-autoscaler/ports';
import type { NodeAutoscalerResult } from '../../lambdas/node-autoscaler/types';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../lib/config';
import { formatTable, printJson, stdout, type Writer } from '../output';

export interface NodeAutoscalerCliDeps {
  readonly ports?: () => NodeAutoscalerPorts;
  readonly now?: () => Date;
  readonly out?: Writer;
  readonly err?: Writer;
}

interface Options {
  config: string;
  group: string[];
  execute?: boolean;
  json?: boolean;
}

/** The groups of the deployment config's `jobs.nodeAutoscaler`, narrowed to `--group` (an unknown name is an error). */
export function selectGroups(configPath: string, names: readonly string[]): NodeAutoscalerConfig {
  const section = loadConfig(configPath).jobs.nodeAutoscaler;
  if (!section) throw new InvalidArgumentError(`${configPath} has no jobs.nodeAutoscaler section`);
  const known = section.groups.map((g) => g.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0)
    throw new InvalidArgumentError(`unknown --group ${unknown.join(', ')} (configured: ${known.join(', ')})`);
  return names.length === 0 ? section : { ...section, groups: section.groups.filter((g) => names.includes(g.name)) };
}

/** `--json`: one object, a decision per group. */
export function cliJson(result: NodeAutoscalerResult) {
  return { dryRun: result.dryRun, decisions: result.outcomes.map((o) => decisionRecord(o, result.dryRun)) };
}

/** The table for people: one row per group, then every reason of every group. */
export function renderDecisions(result: NodeAutoscalerResult): string {
  const records = result.outcomes.map((o) => decisionRecord(o, result.dryRun));
  const rows = records.map((r) => ({
    group: r.group,
    cluster: r.cluster,
    action: r.action,
    from: r.from ?? '',
    to: r.to ?? '',
    pressure: typeof r.pressurePercent === 'number' ? `${Math.round(r.pressurePercent)}%` : 'unknown',
    pending: typeof r.pendingPods === 'number' ? r.pendingPods : 'unknown',
    holds: r.holds.join(','),
    applied: result.dryRun ? 'dry run' : r.applied ? 'yes' : 'no',
  }));
  const lines = [
    formatTable(rows, ['group', 'cluster', 'action', 'from', 'to', 'pressure', 'pending', 'holds', 'applied']),
  ];
  for (const r of records) {
    lines.push(`\n${sanitizeText(r.group, { max: 64 })}:\n`);
    for (const reason of r.reasons.slice(0, 12)) lines.push(`  - ${sanitizeText(reason, { max: 240 })}\n`);
  }
  lines.push(
    `\n${result.dryRun ? 'DRY RUN: nothing was changed (--execute to act).' : 'EXECUTE: changes above were applied.'} ` +
      `${result.metricQueries} metric queries in ${result.metricCalls} GetMetricData call(s).\n`,
  );
  return lines.join('');
}

/**
 * `platform-ops node-autoscaler`: the same decision as the Lambda, from the deployment config's groups and the
 * operator's credentials; acts only with --execute.
 */
export function registerNodeAutoscalerCommand(program: Command, deps: NodeAutoscalerCliDeps = {}): void {
  const out = deps.out ?? stdout;
  const err = deps.err ?? { write: (t: string) => process.stderr.write(t) };
  program
    .command('node-autoscaler')
    .description('decide (and with --execute apply) the scaling of the configured EKS node groups')
    .option('--config <file>', 'deployment config with jobs.nodeAutoscaler', DEFAULT_CONFIG_PATH)
    .option('--group <name>', 'only this group (repeatable)', (v: string, acc: string[]) => [...acc, v], [])
    .option('--execute', 'apply the decisions (default: dry run)')
    .option('--json', 'one JSON object: { dryRun, decisions: [...] }')
    .action(async (options: Options) => {
      const config = selectGroups(options.config, options.group);
      const now = (deps.now ?? (() => new Date()))();
      const ports = (deps.ports ?? (() => sdkPorts({})))();
      const result = await runNodeAutoscaler(config, ports, { now, dryRun: !options.execute });
      if (options.json) printJson(cliJson(result), out);
      else out.write(renderDecisions(result));
      const failed = result.outcomes.filter((o) => o.error);
      if (failed.length > 0) {
        err.write(failed.map((o) => `error: ${o.group}: ${sanitizeText(o.error ?? '', { max: 300 })}\n`).join(''));
        process.exitCode = 1;
      }
    });
}
