/**
 * A small SVG chart of minute-by-minute traces in stacked panels (pressure, pending pods, node counts), shared by
 * `node-autoscaler replay --chart` and the benchmark. Pure: series in, SVG text out. Labels are escaped.
 */

export interface ChartLine {
  readonly label: string;
  /** One value per minute; null leaves a gap (unknown). */
  readonly values: readonly (number | null)[];
  readonly color: string;
  /** Draw as steps (capacities) rather than straight segments. */
  readonly step?: boolean;
  readonly dashed?: boolean;
}

export interface ChartPanel {
  readonly title: string;
  readonly lines: readonly ChartLine[];
  /** Horizontal reference lines (thresholds, bounds). */
  readonly rules?: readonly { readonly value: number; readonly label: string; readonly color?: string }[];
  readonly yMax?: number;
}

export interface ChartSpec {
  readonly title: string;
  /** Minute starts of the x axis. */
  readonly start: Date;
  readonly minutes: number;
  readonly panels: readonly ChartPanel[];
  readonly width?: number;
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const fmt = (v: number) => (Math.round(v * 10) / 10).toString();

export function renderChartSvg(spec: ChartSpec): string {
  const width = spec.width ?? 1200;
  const left = 60;
  const right = 200;
  const panelHeight = 170;
  const gap = 40;
  const top = 40;
  const plotWidth = width - left - right;
  const height = top + spec.panels.length * (panelHeight + gap) + 10;
  const x = (i: number) => left + (spec.minutes <= 1 ? 0 : (i / (spec.minutes - 1)) * plotWidth);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">${esc(spec.title)}</text>`,
  ];
  spec.panels.forEach((panel, p) => {
    const y0 = top + p * (panelHeight + gap);
    const all = panel.lines.flatMap((l) => l.values.filter((v): v is number => v !== null && Number.isFinite(v)));
    const yMax = panel.yMax ?? Math.max(1, ...all, ...(panel.rules ?? []).map((r) => r.value)) * 1.05;
    const y = (v: number) => y0 + panelHeight - (Math.min(v, yMax) / yMax) * panelHeight;
    parts.push(
      `<text x="${left}" y="${y0 - 6}" font-weight="bold">${esc(panel.title)}</text>`,
      `<rect x="${left}" y="${y0}" width="${plotWidth}" height="${panelHeight}" fill="none" stroke="#999"/>`,
      `<text x="${left - 6}" y="${y0 + 4}" text-anchor="end">${fmt(yMax)}</text>`,
      `<text x="${left - 6}" y="${y0 + panelHeight}" text-anchor="end">0</text>`,
    );
    // Hour ticks on the x axis.
    const firstHour = Math.ceil(spec.start.getTime() / 3_600_000) * 3_600_000;
    for (let t = firstHour; t < spec.start.getTime() + spec.minutes * 60_000; t += 3_600_000) {
      const i = (t - spec.start.getTime()) / 60_000;
      const hour = new Date(t).getUTCHours();
      parts.push(`<line x1="${x(i)}" x2="${x(i)}" y1="${y0}" y2="${y0 + panelHeight}" stroke="#eee"/>`);
      if (hour % 3 === 0)
        parts.push(
          `<text x="${x(i)}" y="${y0 + panelHeight + 12}" text-anchor="middle">${String(hour).padStart(2, '0')}:00</text>`,
        );
    }
    for (const rule of panel.rules ?? []) {
      parts.push(
        `<line x1="${left}" x2="${left + plotWidth}" y1="${y(rule.value)}" y2="${y(rule.value)}" stroke="${rule.color ?? '#c00'}" stroke-dasharray="4 3"/>`,
        `<text x="${left + plotWidth + 4}" y="${y(rule.value) + 4}" fill="${rule.color ?? '#c00'}">${esc(rule.label)}</text>`,
      );
    }
    panel.lines.forEach((line, k) => {
      let d = '';
      let pen = false;
      line.values.forEach((v, i) => {
        if (v === null || !Number.isFinite(v)) {
          pen = false;
          return;
        }
        if (!pen) d += `M${x(i).toFixed(1)},${y(v).toFixed(1)}`;
        else if (line.step) d += `H${x(i).toFixed(1)}V${y(v).toFixed(1)}`;
        else d += `L${x(i).toFixed(1)},${y(v).toFixed(1)}`;
        pen = true;
      });
      parts.push(
        `<path d="${d}" fill="none" stroke="${line.color}" stroke-width="1.4"${line.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
        `<line x1="${left + plotWidth + 10}" x2="${left + plotWidth + 30}" y1="${y0 + 14 + k * 16}" y2="${y0 + 14 + k * 16}" stroke="${line.color}" stroke-width="2"${line.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
        `<text x="${left + plotWidth + 34}" y="${y0 + 18 + k * 16}">${esc(line.label)}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
