import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
}

/**
 * A time-series chart drawn by uPlot (canvas, ~50 kB, no dependencies): one line per series over the
 * window's buckets, resized with its box. The numbers are also given as text for screen readers.
 */
export function Chart(props: {
  title: string;
  buckets: string[];
  series: ChartSeries[];
  /** How a y value reads ("3", "12.5 s", "1,500 USDT"). */
  format?: (v: number) => string;
  bars?: boolean;
  /** Counts: whole-number ticks only. */
  integer?: boolean;
  testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const { buckets, series, format, bars, integer } = props;
  const summary = series
    .map((s) => {
      const known = s.values.filter((v): v is number => v !== null);
      const total = known.reduce((a, b) => a + b, 0);
      return `${s.label}: ${known.length ? (format ?? String)(bars ? total : Math.max(...known)) : 'none'}${bars ? ' in all' : ' at most'}`;
    })
    .join('; ');

  // Redrawn when the numbers change, not on every render (the arrays are rebuilt each time).
  const data = JSON.stringify([buckets, series]);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const xs = buckets.map((b) => Date.parse(b) / 1000);
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: 170,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max)] } },
      axes: [
        { stroke: '#667085', grid: { stroke: '#eaecf0' }, size: 30 },
        {
          stroke: '#667085',
          grid: { stroke: '#eaecf0' },
          size: 56,
          ...(integer
            ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 100000] }
            : {}),
          values: (_u, ticks) => ticks.map((t) => (format ? format(t) : String(t))),
        },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          fill: bars ? `${s.color}55` : undefined,
          spanGaps: false,
          // a lone value between empty buckets is a dot, not an invisible zero-length line
          points: { show: !bars, size: 5 },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : format ? format(v) : String(v)),
          ...(bars ? { paths: uPlot.paths.bars?.({ size: [0.8, 40] }) } : {}),
        })),
      ],
    };
    const plot = new uPlot(opts, [xs, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(200, el.clientWidth), height: 170 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data, format, bars, integer]);

  return (
    <figure className="chart" data-testid={props.testId}>
      <figcaption>{props.title}</figcaption>
      <div ref={box} className="chart-box" role="img" aria-label={`${props.title}. ${summary}.`} />
    </figure>
  );
}
