import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { EChartsCoreOption } from 'echarts/core';

/**
 * A chart drawn by ECharts (loaded on first use), described for screen readers by `label` and
 * followed by the same numbers as a table (`children`) behind a disclosure, so nothing is only
 * visible as pixels. `data-chart="ready"` marks it drawn.
 */
export function Chart({ option, label, height = 300, children }: { option: EChartsCoreOption; label: string; height?: number; children?: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<'loading' | 'ready' | 'failed'>('loading');
  useEffect(() => {
    let disposed = false;
    let cleanup = () => {};
    import('./echarts')
      .then(({ echarts }) => {
        if (disposed || !ref.current) return;
        const chart = echarts.init(ref.current, undefined, { renderer: 'canvas' });
        chart.setOption({ animation: false, aria: { enabled: true }, textStyle: { fontFamily: 'inherit' }, ...option });
        const observer = new ResizeObserver(() => chart.resize());
        observer.observe(ref.current);
        cleanup = () => {
          observer.disconnect();
          chart.dispose();
        };
        setState('ready');
      })
      .catch(() => setState('failed'));
    return () => {
      disposed = true;
      cleanup();
    };
  }, [option]);
  return (
    <figure className="chart">
      <div ref={ref} className="chart-canvas" role="img" aria-label={label} style={{ height }} data-chart={state} />
      {state === 'failed' && <p className="state error">The chart could not be loaded; the numbers are in the table below.</p>}
      {children && (
        <details className="chart-data">
          <summary>{label}: the numbers</summary>
          {children}
        </details>
      )}
    </figure>
  );
}

/** A small inline demand curve for lists: plain SVG, no chart library. */
export function Sparkline({ values, label }: { values: readonly number[]; label: string }) {
  const max = Math.max(1, ...values);
  const w = 120;
  const h = 28;
  const step = values.length > 1 ? w / (values.length - 1) : w;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(h - (v / max) * (h - 2) - 1).toFixed(1)}`).join(' ');
  return (
    <svg className="sparkline" width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label}>
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}
