import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

/**
 * A uPlot chart built once per series layout and fed with `setData` afterwards (STYLE.md §4):
 * `data` is [x, ...ys] as uPlot takes it.
 */
export function Chart({
  title,
  labels,
  data,
  height = 140,
  width = 340,
  testId,
}: {
  title: string;
  labels: string[];
  data: number[][];
  height?: number;
  width?: number;
  testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const key = labels.join('|');
  useEffect(() => {
    if (!box.current) return;
    const colours = ['#2f6fb0', '#c0392b', '#27ae60', '#8e44ad'];
    plot.current = new uPlot(
      {
        title,
        width,
        height,
        scales: { x: { time: true } },
        series: [
          {},
          ...labels.map((label, i) => ({
            label,
            stroke: colours[i % colours.length],
            width: 1.5,
            spanGaps: true,
          })),
        ],
        legend: { show: labels.length > 1, live: false },
        axes: [{}, { size: 56 }],
      },
      data as uPlot.AlignedData,
      box.current,
    );
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuilt only when the layout changes; data flows through setData below.
  }, [key, title, width, height]);
  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);
  return <div ref={box} className="chart" data-testid={testId} />;
}
