/**
 * Runs one bench: warm-up runs, then timed runs, each as setup → timed → verify → teardown,
 * with a full V8 collection (`global.gc`, available under --expose-gc) before setup and again
 * before the timed region, so that garbage of earlier runs is not collected on the clock.
 *
 * Only `timed` is inside the clock. Wall time is `performance.now()`, CPU time is
 * `process.cpuUsage()` (user + system of every thread of the process, so it can exceed wall
 * time when V8's helper threads work).
 */
import {
  unitScale,
  type Bench,
  type Extra,
  type MemoryReport,
  type Mode,
  type Stopwatch,
} from './bench.js';
import type { BenchRecord } from './record.js';
import { median, summarize } from './stats.js';

export interface RunOpts {
  /** Timed runs (WORKLOADS.md: 5); a bench's own `runs` wins. */
  readonly runs: number;
  /** Untimed warm-up runs before them (WORKLOADS.md: 1). */
  readonly warmups: number;
  readonly mode: Mode;
  /** Progress lines (stderr in the CLI). Default: none. */
  readonly progress?: (line: string) => void;
}

const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (() => {});

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** The Stopwatch handed to `timed`: sums of its start/stop pairs (ms wall, µs CPU). */
class SplitClock implements Stopwatch {
  wallMs = 0;
  cpuMicros = 0;
  laps = 0;
  private t0 = 0;
  private c0 = 0;
  start(): void {
    this.c0 = cpuMicros();
    this.t0 = performance.now();
  }
  stop(): void {
    const t1 = performance.now();
    this.wallMs += t1 - this.t0;
    this.cpuMicros += cpuMicros() - this.c0;
    this.laps++;
  }
}

/** Numbers: median over the runs; arrays and strings: the last run's. */
function combineExtras(extras: readonly Extra[]): Extra | undefined {
  if (extras.length === 0) return undefined;
  const out: Extra = {};
  for (const key of Object.keys(extras[extras.length - 1])) {
    const values = extras.map((e) => e[key]).filter((v) => v !== undefined);
    const last = values[values.length - 1];
    out[key] =
      typeof last === 'number'
        ? median(values.filter((v): v is number => typeof v === 'number'))
        : last;
  }
  return out;
}

export function runBench<S>(bench: Bench<S>, opts: RunOpts): BenchRecord {
  const runs = bench.runs ?? opts.runs;
  const scale = unitScale(bench.unit) / bench.ops;
  const wall: number[] = [];
  const cpu: number[] = [];
  const memory: MemoryReport[] = [];
  const extras: Extra[] = [];
  const label = bench.label ?? `${bench.workload} ${bench.variant}`;
  for (let r = 0; r < opts.warmups + runs; r++) {
    const warm = r < opts.warmups;
    opts.progress?.(
      `  ${label}: ${warm ? `warm-up ${r + 1}/${opts.warmups}` : `run ${r - opts.warmups + 1}/${runs}`}`,
    );
    gc();
    const state = bench.setup();
    gc();
    const split = new SplitClock();
    const c0 = cpuMicros();
    const t0 = performance.now();
    bench.timed(state, split);
    const t1 = performance.now();
    const c1 = cpuMicros();
    bench.verify(state);
    const extra = bench.extra?.(state);
    const mem = bench.teardown(state);
    if (!warm) {
      // A bench that bracketed parts of its region with the stopwatch is timed by those parts.
      const wallMs = split.laps > 0 ? split.wallMs : t1 - t0;
      const cpuUs = split.laps > 0 ? split.cpuMicros : c1 - c0;
      wall.push(wallMs * scale);
      cpu.push((cpuUs / 1000) * scale);
      memory.push(mem);
      if (extra) extras.push(extra);
    }
  }
  const s = summarize(wall);
  // Memory remarks (V8 heap deltas) differ run to run: the last timed run's is kept.
  const notes = [bench.note, memory[memory.length - 1]?.note].filter((n): n is string => !!n);
  const record: BenchRecord = {
    workload: bench.workload,
    group: bench.group ?? bench.workload,
    variant: bench.variant,
    unit: bench.unit,
    median: s.median,
    min: s.min,
    max: s.max,
    runs,
    warmups: opts.warmups,
    samples: [...s.samples],
    cpuMedian: median(cpu),
    // Worst case over the timed runs.
    peakBytes: maxOrNull(memory.map((m) => m.peakBytes)),
    heldBytes: maxOrNull(memory.map((m) => m.heldBytes)),
    params: bench.params,
    mode: opts.mode,
  };
  if (bench.row !== undefined) record.row = bench.row;
  const extra = combineExtras(extras);
  if (extra) record.extra = extra;
  if (notes.length > 0) record.note = notes.join('; ');
  return record;
}

function maxOrNull(values: readonly (number | null)[]): number | null {
  let best: number | null = null;
  for (const v of values) if (v !== null && (best === null || v > best)) best = v;
  return best;
}
