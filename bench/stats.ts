/** Summaries of timing samples, in milliseconds. */
export interface Summary {
  n: number;
  medianMs: number;
  p90Ms: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
}

/** The q-quantile of sorted samples, interpolating linearly between neighbours. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lower = Math.floor(pos);
  const upper = Math.ceil(pos);
  const a = sorted[lower] ?? Number.NaN;
  const b = sorted[upper] ?? Number.NaN;
  return a + (b - a) * (pos - lower);
}

export function summarize(samplesMs: readonly number[]): Summary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    n: sorted.length,
    medianMs: quantile(sorted, 0.5),
    p90Ms: quantile(sorted, 0.9),
    p95Ms: quantile(sorted, 0.95),
    minMs: sorted[0] ?? Number.NaN,
    maxMs: sorted.at(-1) ?? Number.NaN,
  };
}

/** The median and range of plain values (bytes, rates), where no tail quantile is wanted. */
export interface Spread {
  n: number;
  median: number;
  min: number;
  max: number;
}

export function spread(samples: readonly number[]): Spread {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, median: quantile(sorted, 0.5), min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN };
}

/** Summaries of rates (requests/s, MB/s): higher is better, so no tail quantile is kept. */
export type RateSummary = Spread;

export const summarizeRates = spread;

export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

/**
 * Runs several measurements round-robin (one of each per round; `warmup` rounds unmeasured) and
 * returns each one's durations, so that load from elsewhere on the host falls on all alike.
 */
export async function sampleRoundRobin<K extends string>(
  n: number,
  warmup: number,
  fns: Record<K, (i: number) => Promise<void>>,
): Promise<Record<K, number[]>> {
  const keys = Object.keys(fns) as K[]; // the keys of the record passed in
  const out = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>; // one list per key
  for (let i = -warmup; i < n; i++) {
    for (const key of keys) {
      const started = performance.now();
      await fns[key](i);
      if (i >= 0) out[key].push(performance.now() - started);
    }
  }
  return out;
}
