import { writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { sdkPorts } from '../../lambdas/node-autoscaler/adapters/clients';
import type { NodeAutoscalerConfig } from '../../lambdas/node-autoscaler/config';
import { decisionRecord } from '../../lambdas/node-autoscaler/event';
import { sanitizeText } from '../../lambdas/shared/text';
import { renderChartSvg } from '../../lambdas/node-autoscaler/core/chart';
import { type ReplayResult, runNodeAutoscaler, runReplay } from '../../lambdas/node-autoscaler/job';
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

/** Replay rows for people: the minutes where the scaler would have acted or the group really changed (at most 200). */
export function renderReplay(r: ReplayResult): string {
  const rows = r.minutes
    .filter((m, i) => m.action !== 'hold' || (i > 0 && r.minutes[i - 1].real !== m.real))
    .map((m) => ({
      time: m.time.slice(0, 16).replace('T', ' '),
      real: m.real,
      'would do': m.action === 'hold' ? 'hold' : `${m.action} → ${m.would}`,
      pressure: m.pressurePercent === null ? 'unknown' : `${Math.round(m.pressurePercent)}%`,
      pending: m.pendingPods ?? 'unknown',
      why: sanitizeText(m.action === 'hold' ? m.holds.join(',') : m.reason, { max: 120 }),
    }));
  const would = r.minutes.filter((m) => m.action !== 'hold').length;
  const realChanges = r.minutes.filter((m, i) => i > 0 && r.minutes[i - 1].real !== m.real).length;
  const unknown = r.minutes.filter((m) => m.holds.includes('unknown-signals')).length;
  return [
    rows.length > 0
      ? formatTable(rows.slice(0, 200), ['time', 'real', 'would do', 'pressure', 'pending', 'why'])
      : 'No minute where the scaler would have acted or the group changed.\n',
    rows.length > 200 ? `(${rows.length - 200} more rows: use --json)\n` : '',
    `\n${r.group} (${r.autoScalingGroupName}) since ${r.start}: ${r.minutes.length} minutes replayed; ` +
      `the scaler would have acted ${would} time(s), the group really changed size ${realChanges} time(s); ` +
      `${unknown} minute(s) held on unknown signals.\n`,
    `${r.instances} instance(s) in the window${r.instancesWithoutSeries.length > 0 ? `, ${r.instancesWithoutSeries.length} without Container Insights series` : ''}; ` +
      `${r.metricQueries} metric queries in ${r.metricCalls} GetMetricData call(s).\n`,
  ].join('');
}

/** The replay chart: pressure, pending pods, and the real size against what the scaler would have set. */
export function replayChart(r: ReplayResult, group: NodeAutoscalerConfig['groups'][number]): string {
  return renderChartSvg({
    title: `node-autoscaler replay: ${r.group} (${r.autoScalingGroupName}) since ${r.start}`,
    start: new Date(r.minutes[0]?.time ?? r.start),
    minutes: r.minutes.length,
    panels: [
      {
        title: 'pressure (max of CPU/memory requests and usage), %',
        yMax: 100,
        lines: [{ label: 'pressure', values: r.minutes.map((m) => m.pressurePercent), color: '#1f77b4' }],
        rules: [
          { value: group.scaleOut.cpuPercent, label: `out > ${group.scaleOut.cpuPercent} % CPU` },
          { value: group.scaleIn.cpuPercent, label: `in < ${group.scaleIn.cpuPercent} % CPU`, color: '#2a2' },
        ],
      },
      {
        title: 'unschedulable pods (cluster)',
        lines: [{ label: 'pending', values: r.minutes.map((m) => m.pendingPods), color: '#d62728' }],
      },
      {
        title: 'nodes',
        lines: [
          { label: 'real (InService)', values: r.minutes.map((m) => m.real), color: '#555', step: true },
          {
            label: 'scaler would set',
            values: r.minutes.map((m) => m.would),
            color: '#1f77b4',
            step: true,
            dashed: true,
          },
        ],
        rules: [
          { value: group.maxSize, label: `maxSize ${group.maxSize}` },
          { value: group.minSize, label: `minSize ${group.minSize}`, color: '#2a2' },
        ],
      },
    ],
  });
}

/**
 * `platform-ops node-autoscaler`: the same decision as the Lambda, from the deployment config's groups and the
 * operator's credentials; acts only with --execute.
 */
export function registerNodeAutoscalerCommand(program: Command, deps: NodeAutoscalerCliDeps = {}): void {
  const out = deps.out ?? stdout;
  const err = deps.err ?? { write: (t: string) => process.stderr.write(t) };
  // `--group`, `--config` and `--json` belong to the command they follow (`node-autoscaler --group a` or
  // `node-autoscaler replay --group a`); commander needs positional options on this command and its parent for that
  // (the program itself has no options, so nothing else changes).
  program.enablePositionalOptions();
  const command = program
    .command('node-autoscaler')
    .enablePositionalOptions()
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

  command
    .command('replay')
    .description("replay a group's real metric history through the decision core, next to what the group really did")
    .requiredOption('--group <name>', 'the group to replay')
    .option('--config <file>', 'deployment config with jobs.nodeAutoscaler', DEFAULT_CONFIG_PATH)
    .option(
      '--hours <n>',
      'hours of history (1-72)',
      (v: string) => {
        const n = Number(v);
        if (!Number.isFinite(n) || n < 1 || n > 72) throw new InvalidArgumentError('--hours must be 1-72');
        return n;
      },
      24,
    )
    .option('--chart <file.svg>', 'write a chart of pressure, pending pods and node counts (SVG)')
    .option('--json', 'one JSON object with every replayed minute')
    .action(async (options: { group: string; config: string; hours: number; chart?: string; json?: boolean }) => {
      if (options.chart && !options.chart.toLowerCase().endsWith('.svg'))
        throw new InvalidArgumentError(
          '--chart writes SVG only (name the file .svg; convert it to PNG with any SVG tool)',
        );
      const config = selectGroups(options.config, [options.group]);
      const now = (deps.now ?? (() => new Date()))();
      const ports = (deps.ports ?? (() => sdkPorts({})))();
      const result = await runReplay(config, options.group, ports, { now, hours: options.hours });
      if (options.json) printJson(result, out);
      else out.write(renderReplay(result));
      if (options.chart) {
        writeFileSync(options.chart, replayChart(result, config.groups[0]));
        err.write(`chart: ${options.chart}\n`);
      }
    });
}
