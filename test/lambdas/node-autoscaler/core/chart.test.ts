import { renderChartSvg } from '../../../../lambdas/node-autoscaler/core/chart';

const spec = (values: (number | null)[], label = 'desired') =>
  renderChartSvg({
    title: 'trace <group "a">',
    start: new Date('2026-12-01T00:00:00Z'),
    minutes: values.length,
    width: 460,
    panels: [
      {
        title: 'nodes',
        yMax: 10,
        lines: [{ label, values, color: '#123456', step: true }],
        rules: [{ value: 5, label: 'max 5' }],
      },
    ],
  });

test('one path per line, steps for capacities, a gap for unknown minutes', () => {
  const svg = spec([2, 4, null, 6]);
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="460"')).toBe(true);
  const path = /<path d="([^"]+)" fill="none" stroke="#123456"/.exec(svg)?.[1] ?? '';
  // x: left 60 + i/3 · 200; y: top 40 + 170 − v/10 · 170
  expect(path).toBe('M60.0,176.0H126.7V142.0M260.0,108.0');
  expect(svg).toContain('max 5');
  expect(svg.trim().endsWith('</svg>')).toBe(true);
});

test('titles and labels are escaped', () => {
  const svg = spec([1], '<script>');
  expect(svg).toContain('trace &lt;group &quot;a&quot;&gt;');
  expect(svg).toContain('&lt;script&gt;');
  expect(svg).not.toContain('<script>');
});
