import { plot } from 'asciichart';
import { formatStep } from './format.js';

export interface Series {
  title: string;
  values: number[];
  /** How points are merged when there are more than the chart is wide: averages stay averages, amounts add up. */
  merge: 'average' | 'sum';
  format: (value: number) => string;
}

/** Merges runs of `group` points into one, as the series says. */
export function downsample(values: readonly number[], group: number, merge: Series['merge']): number[] {
  const out: number[] = [];
  for (let start = 0; start < values.length; start += group) {
    const slice = values.slice(start, start + group);
    const sum = slice.reduce((total, value) => total + value, 0);
    out.push(merge === 'sum' ? sum : sum / slice.length);
  }
  return out;
}

/**
 * A small line chart of each series over the same steps, from zero up, at most `width` points
 * wide (longer series are merged a few steps to a point, and the title says how long a point is).
 */
export function charts(series: readonly Series[], options: { width: number; stepSeconds: number; height?: number }): string {
  const points = series[0]?.values.length ?? 0;
  const group = Math.max(1, Math.ceil(points / Math.max(1, options.width)));
  const pointLength = formatStep(options.stepSeconds * group);
  return series
    .map((one) => {
      const values = downsample(one.values, group, one.merge);
      return `${one.title}, a point per ${pointLength}\n${plot(values, { height: options.height ?? 5, min: 0, format: (value) => one.format(value).padStart(10) })}`;
    })
    .join('\n\n');
}
