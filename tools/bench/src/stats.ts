/**
 * Summaries of timed runs: median, min and max (WORKLOADS.md reports the median of 5 runs
 * with min and max). The median of an even count is the mean of the two middle values.
 */

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** The samples, in run order. */
  readonly samples: readonly number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >>> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new RangeError('summary of no samples');
  for (const s of samples) {
    if (!Number.isFinite(s)) throw new RangeError(`sample is not finite: ${s}`);
  }
  return {
    median: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
    samples: [...samples],
  };
}
