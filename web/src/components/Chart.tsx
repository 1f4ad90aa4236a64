import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  color: string;
  /** Points drawn without a line: failures on a latency chart. */
  points?: boolean;
}

/** A uPlot chart that follows its container's width. `data[0]` is time in seconds. */
export function Chart({
  data,
  series,
  height = 220,
  yLabel,
}: {
  data: uPlot.AlignedData;
  series: Series[];
  height?: number;
  yLabel?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => `${s.label}:${s.points ? 1 : 0}`).join('|');

  // biome-ignore lint/correctness/useExhaustiveDependencies: rebuilt only when the series' shape changes
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: el.clientWidth || 300,
      height,
      scales: { x: { time: true } },
      axes: [{}, { label: yLabel, size: 60 }],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.points ? 0 : 1.5,
          spanGaps: false,
          points: { show: Boolean(s.points), size: 7, fill: s.color, stroke: s.color },
        })),
      ],
    };
    const u = new uPlot(opts, data, el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: el.clientWidth || 300, height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [shape, height, yLabel]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div className="chart" ref={box} />;
}

/** A small latency line without axes, for a service tile. */
export function Sparkline({ values, color }: { values: number[]; color: string }) {
  if (values.length < 2) return <svg className="spark" viewBox="0 0 100 24" aria-hidden="true" />;
  const max = Math.max(...values, 1);
  const step = 100 / (values.length - 1);
  const d = values.map(
    (v, i) => `${i ? 'L' : 'M'}${(i * step).toFixed(1)},${(22 - (v / max) * 20).toFixed(1)}`,
  );
  return (
    <svg className="spark" viewBox="0 0 100 24" preserveAspectRatio="none" role="img" aria-label="latency">
      <path d={d.join('')} fill="none" stroke={color} strokeWidth="1.5" vectorEffect="non-scaling-stroke" />
    </svg>
  );
}
