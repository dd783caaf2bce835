/**
 * The shapes every workload plugs into.
 *
 * A `Workload` (A1, A2, G1…, one module in src/workloads/) names its variants and builds,
 * for one variant at a time, the `Bench`es of that variant: one per case (A1 has one case;
 * A2 has one per size and order). The CLI runs each variant in its own worker process so that
 * every hot loop stays monomorphic (V8's inline caches would otherwise mix the allocator
 * classes of earlier variants into the later ones) and every variant starts from a fresh V8
 * heap. A workload with a CPython version also names its Python script.
 *
 * One run of a bench: setup (untimed) → timed → verify (untimed, throws when wrong) →
 * teardown (untimed, reports memory). See runner.ts.
 */
import type { PythonResult } from './python.js';

export type ParamValue = number | string | boolean;
export type Params = Readonly<Record<string, ParamValue>>;

/** full = WORKLOADS.md parameters; quick = smaller sizes for a smoke run (never quoted). */
export type Mode = 'full' | 'quick';

/** Memory numbers of one run, measured after the timed region. */
export interface MemoryReport {
  /** Peak footprint in bytes (the allocator's peakFootprint); null when not ours to measure. */
  readonly peakBytes: number | null;
  /** Bytes still held from the memory after everything was freed; null when n/a. */
  readonly heldBytes: number | null;
  /** What a V8 baseline reports instead (heap deltas), or any other memory remark. */
  readonly note?: string;
}

/** Values of a record's `extra` (G5: seconds in collections, collections per generation). */
export type ExtraValue = number | string | number[];
export type Extra = Record<string, ExtraValue>;

/**
 * The clock of a timed region that is only part of what `timed` does (G3 and G4 time the
 * second collection of every loop, not the loop): `start`/`stop` pairs accumulate wall and
 * CPU time, and when a bench used them the runner reports their sum instead of the whole
 * call. Benches that time everything ignore it.
 */
export interface Stopwatch {
  start(): void;
  stop(): void;
}

/** One case of one variant. `S` is whatever setup builds for the timed region. */
export interface Bench<S = unknown> {
  /** Workload id: 'A1', 'A2', 'R2'. */
  readonly workload: string;
  /** Table the row goes into; default the workload id ('A2 LIFO', 'A2 FIFO fresh heap'). */
  readonly group?: string;
  /** Row label inside a matrix table (A2: the size); absent for one-row cases. */
  readonly row?: string;
  readonly variant: string;
  /** Progress label ('A2 fifo warm s=64 raw'); default '<workload> <variant>'. */
  readonly label?: string;
  /**
   * Unit of the reported value, `<time unit>` or `<time unit>/<op>`, time unit one of
   * ns, µs, ms, s: 'ns/pair', 's', 's/loop'. Value = elapsed time / `ops`.
   */
  readonly unit: string;
  /** Operations in one timed region (the divisor for the unit). */
  readonly ops: number;
  readonly params: Params;
  /** Shown in the table and the JSON record (reduced iterations, debug mode…). */
  readonly note?: string;
  /** Timed runs for this bench when it must differ from the CLI's --runs. */
  readonly runs?: number;
  setup(): S;
  /** The timed region, and nothing else (or the parts of it bracketed by `watch`). */
  timed(state: S, watch: Stopwatch): void;
  /** Throws (loudly) when the result is wrong: a fast wrong answer is not a result. */
  verify(state: S): void;
  teardown(state: S): MemoryReport;
  /**
   * Further metrics of one run (after verify, before teardown), into the record's `extra`:
   * numbers are the median over the timed runs, arrays and strings the last run's.
   */
  extra?(state: S): Extra;
}

export interface ModeOpts {
  readonly mode: Mode;
}

export interface VariantInfo {
  readonly name: string;
  readonly available: boolean;
  /** Why it is not available (a package that has not landed yet). */
  readonly reason?: string;
}

/** The CPython side of a workload: a script in tools/bench/python and how to check it. */
export interface PythonWorkload {
  /** File name in tools/bench/python. */
  readonly script: string;
  /** Group (table) the CPython row goes into; default the workload id. */
  readonly group?: string;
  /** Command line arguments carrying the same parameters as the TS side. */
  args(mode: ModeOpts): string[];
  /** Timed runs on the Python side, when fewer than requested (R2 takes ~9 s per run). */
  runs?(mode: ModeOpts, requested: number): number;
  /** Throws when the check values the script printed are wrong. */
  verify(result: PythonResult, mode: ModeOpts): void;
}

export interface Workload<E = unknown> {
  /** 'A1', 'A2', 'G1', … as in WORKLOADS.md. */
  readonly id: string;
  /** 'alloc-churn'. */
  readonly title: string;
  /** One line: what is timed and what it reports. */
  readonly summary: string;
  /**
   * Variant the ratios divide by. 'cpython' means the first CPython interpreter found (the
   * collector and refcount workloads report ours/CPython).
   */
  readonly reference: string;
  /** Every variant, available or not, in table order. */
  variants(env: E): VariantInfo[];
  /** The benches of one available variant, in run order. */
  benches(variant: string, env: E, mode: ModeOpts): Bench[];
  readonly python?: PythonWorkload;
}

const TIME_SCALE: Readonly<Record<string, number>> = { ns: 1e6, µs: 1e3, us: 1e3, ms: 1, s: 1e-3 };

/** Factor turning milliseconds into the time unit of `unit` ('ns/pair' → 1e6). */
export function unitScale(unit: string): number {
  const time = unit.split('/')[0];
  const scale = TIME_SCALE[time];
  if (scale === undefined) throw new RangeError(`unknown time unit in '${unit}'`);
  return scale;
}
