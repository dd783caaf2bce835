/**
 * The JSON record: one per workload case × variant, as `--json FILE` writes them (an array)
 * and as worker processes hand them to the CLI.
 */
import type { Mode, Params } from './bench.js';

export interface BenchRecord {
  /** Workload id ('A1', 'A2', 'R2'). */
  workload: string;
  /** Table the row belongs to ('A2 LIFO'); equals `workload` for one-table workloads. */
  group: string;
  /** Row label inside a matrix table (A2: the size in bytes). */
  row?: string;
  variant: string;
  /** 'ns/pair', 's', 's/loop', … (see Bench.unit). */
  unit: string;
  /** Median of the timed runs, in `unit`. */
  median: number;
  min: number;
  max: number;
  /** Number of timed runs (after the warm-ups). */
  runs: number;
  warmups: number;
  /** Every timed run's value, in `unit`, in run order. */
  samples: number[];
  /** Median process CPU time (user + system, all threads) in `unit`. */
  cpuMedian?: number;
  /** Peak footprint in bytes; null when not measurable (V8 baselines). */
  peakBytes: number | null;
  /** Bytes still held after everything was freed; null when n/a. */
  heldBytes: number | null;
  params: Params;
  mode: Mode;
  note?: string;
  /** Further metrics of a workload (G5: time in collections, collections per generation). */
  extra?: Record<string, number | string | number[]>;
  /** Set when the variant failed (threw, wrong result, crashed): the other fields are 0. */
  error?: string;
}

const REQUIRED: readonly (keyof BenchRecord)[] = [
  'workload',
  'group',
  'variant',
  'unit',
  'median',
  'min',
  'max',
  'runs',
  'warmups',
  'samples',
  'peakBytes',
  'heldBytes',
  'params',
  'mode',
];

/** Throws a TypeError naming the first missing or mistyped field of a record. */
export function assertRecord(value: unknown): asserts value is BenchRecord {
  if (typeof value !== 'object' || value === null) throw new TypeError('record is not an object');
  const r = value as Record<string, unknown>;
  for (const key of REQUIRED) {
    if (!(key in r)) throw new TypeError(`record lacks '${key}'`);
  }
  for (const key of ['workload', 'group', 'variant', 'unit', 'mode'] as const) {
    if (typeof r[key] !== 'string') throw new TypeError(`record.${key} must be a string`);
  }
  for (const key of ['median', 'min', 'max', 'runs', 'warmups'] as const) {
    if (typeof r[key] !== 'number' || !Number.isFinite(r[key])) {
      throw new TypeError(`record.${key} must be a finite number`);
    }
  }
  for (const key of ['peakBytes', 'heldBytes'] as const) {
    if (r[key] !== null && typeof r[key] !== 'number') {
      throw new TypeError(`record.${key} must be a number or null`);
    }
  }
  if (!Array.isArray(r.samples)) throw new TypeError('record.samples must be an array');
  if (r.error === undefined) {
    if (r.samples.length !== r.runs) throw new TypeError('record.samples must hold `runs` values');
    if (!((r.min as number) <= (r.median as number) && (r.median as number) <= (r.max as number))) {
      throw new TypeError('record must satisfy min ≤ median ≤ max');
    }
  }
  if (typeof r.params !== 'object' || r.params === null) {
    throw new TypeError('record.params must be an object');
  }
}

/** The record of a variant that failed: kept in the output so the failure is visible. */
export function failedRecord(
  base: Pick<BenchRecord, 'workload' | 'group' | 'variant' | 'unit' | 'params' | 'mode'> &
    Partial<Pick<BenchRecord, 'row' | 'note'>>,
  error: string,
): BenchRecord {
  return {
    ...base,
    median: 0,
    min: 0,
    max: 0,
    runs: 0,
    warmups: 0,
    samples: [],
    peakBytes: null,
    heldBytes: null,
    error,
  };
}
