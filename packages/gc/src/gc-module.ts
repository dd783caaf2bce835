/*
 * Python's `gc` module (Modules/gcmodule.c, the module part; spec d) over any pyheap
 * Collector + ObjectSpace. Every function validates its arguments as CPython does and raises
 * with CPython's message and a stable code (TypeError → E_TYPE_ERROR, ValueError →
 * E_BAD_GENERATION, OverflowError → E_OVERFLOW / E_BAD_THRESHOLD). What a collector cannot do
 * (its capabilities) is reported as E_UNSUPPORTED, never answered with a made-up number.
 *
 * Object arguments and results are addresses. Results are BORROWED: unlike Python's lists,
 * a JS array holds no reference.
 */
import {
  DEBUG_COLLECTABLE,
  DEBUG_LEAK,
  DEBUG_SAVEALL,
  DEBUG_STATS,
  DEBUG_UNCOLLECTABLE,
  OBF_FINALIZED,
  OB_TYPE_IDX,
  TPFLAGS_HAVE_GC,
  TYPE_ID_MASK,
  checkAddr,
  fail,
  type Addr,
  type CollectCallback,
  type Collector,
  type ObjectSpace,
  type Visitor,
} from '@pyheap/interface';
import {
  noArgs,
  oneArg,
  optionalArg,
  splitArgs,
  toCInt,
  toCIntFormatI,
  toOptionalSsize,
  varArgs,
  type Kwargs,
  type PythonVersion,
} from './arguments.js';

export type { PythonVersion } from './arguments.js';

export interface GcModuleOpts {
  /**
   * CPython release whose error texts (and 3.12's partial set_threshold update) are used.
   * Default: the collector's `profile` when it has one of '3.13' / '3.12' (as
   * GenerationalCollector does), otherwise '3.13'. An explicit value wins.
   */
  python?: PythonVersion;
  /**
   * sys.audit: called with CPython's audit events of this module — `gc.get_objects`
   * (generation, −1 for all), `gc.get_referrers` and `gc.get_referents` (the tuple of objects)
   * — before the call does its work; what it throws ends the call, as a raising audit hook
   * (sys.addaudithook) does in Python. None by default.
   */
  audit?: (event: string, args: readonly unknown[]) => void;
}

/** One entry of gc.get_stats(). */
export interface GcGenerationStats {
  collections: number;
  collected: number;
  uncollectable: number;
}

/** Python always shows three generations, whatever the collector has. */
const PY_GENERATIONS = 3;

/** Collects referents into an array (get_referents' referentsvisit). */
class ReferentsVisitor implements Visitor {
  out: Addr[] = [];
  visit(ref: Addr): void {
    this.out.push(ref);
  }
}

/** Sets `found` when a referent is one of `targets` (get_referrers' referrersvisit). */
class ReferrersVisitor implements Visitor {
  targets: Set<Addr> = new Set();
  found = false;
  visit(ref: Addr): void {
    if (this.targets.has(ref)) this.found = true;
  }
}

export class GcModule {
  readonly DEBUG_STATS = DEBUG_STATS;
  readonly DEBUG_COLLECTABLE = DEBUG_COLLECTABLE;
  readonly DEBUG_UNCOLLECTABLE = DEBUG_UNCOLLECTABLE;
  readonly DEBUG_SAVEALL = DEBUG_SAVEALL;
  readonly DEBUG_LEAK = DEBUG_LEAK;
  readonly python: PythonVersion;
  private readonly audit: ((event: string, args: readonly unknown[]) => void) | undefined;

  constructor(
    readonly collector: Collector,
    readonly space: ObjectSpace,
    opts: GcModuleOpts = {},
  ) {
    const python = opts.python ?? profileOf(collector) ?? '3.13';
    if (python !== '3.13' && python !== '3.12')
      fail('E_INVALID_ARGUMENT', `python must be '3.13' or '3.12', got ${String(python)}`);
    this.python = python;
    if (opts.audit !== undefined && typeof opts.audit !== 'function')
      fail('E_INVALID_ARGUMENT', 'audit must be a function');
    this.audit = opts.audit;
  }

  /** gc.enable() */
  enable(): void;
  enable(...args: unknown[]): void {
    noArgs('gc.enable', args);
    this.collector.enable();
  }

  /** gc.disable() */
  disable(): void;
  disable(...args: unknown[]): void {
    noArgs('gc.disable', args);
    this.collector.disable();
  }

  /** gc.isenabled() */
  isEnabled(): boolean;
  isEnabled(...args: unknown[]): boolean {
    noArgs('gc.isenabled', args);
    return this.collector.isEnabled();
  }

  /**
   * gc.collect(generation=2): unreachable objects found (collected + uncollectable); 0 when a
   * collection is already running. A collector with fewer generations collects its oldest for
   * any valid Python generation (as CPython's non-generational free-threaded build does).
   */
  collect(generation?: number | bigint | boolean | Kwargs): number;
  collect(...args: unknown[]): number {
    const arg = optionalArg('collect', 'generation', args, this.python);
    const g = arg === undefined ? PY_GENERATIONS - 1 : toCInt(arg);
    if (g < 0 || g >= PY_GENERATIONS) fail('E_BAD_GENERATION', 'invalid generation');
    const r = this.collector.collect(Math.min(g, this.collector.capabilities.generations - 1));
    return r.collected + r.uncollectable;
  }

  /** gc.set_debug(flags, /): any C int, not validated further. */
  setDebug(flags: number | bigint | boolean): void;
  setDebug(...args: unknown[]): void {
    this.collector.setDebug(toCInt(oneArg('gc.set_debug', args)));
  }

  /** gc.get_debug() */
  getDebug(): number;
  getDebug(...args: unknown[]): number {
    noArgs('gc.get_debug', args);
    return this.collector.getDebug();
  }

  /**
   * gc.get_objects(generation=None): tracked objects of one generation, or of all for None /
   * −1 (CPython's quirk); frozen objects never. Borrowed addresses.
   */
  getObjects(generation?: number | bigint | null | Kwargs): Addr[];
  getObjects(...args: unknown[]): Addr[] {
    const g = toOptionalSsize(optionalArg('get_objects', 'generation', args, this.python));
    // gc_get_objects_impl audits before it checks the range (Modules/gcmodule.c).
    this.audit?.('gc.get_objects', [g ?? -1]);
    if (g !== null) {
      if (g >= PY_GENERATIONS) {
        fail(
          'E_BAD_GENERATION',
          `generation parameter must be less than the number of available generations (${PY_GENERATIONS})`,
        );
      }
      if (g < -1) fail('E_BAD_GENERATION', 'generation parameter cannot be negative');
    }
    this.require('enumerate', 'gc.get_objects()');
    const gens = this.collector.capabilities.generations;
    if (g === null || g === -1) return this.collector.getObjects(-1);
    // A collector with fewer generations holds everything in its own ones: the rest are empty.
    return g < gens ? this.collector.getObjects(g) : [];
  }

  /** gc.get_stats(): three dicts {collections, collected, uncollectable}. */
  getStats(): GcGenerationStats[];
  getStats(...args: unknown[]): GcGenerationStats[] {
    noArgs('gc.get_stats', args);
    const stats = this.collector.getStats();
    const out: GcGenerationStats[] = [];
    for (let i = 0; i < PY_GENERATIONS; i++) {
      const s = stats[i];
      out.push(s === undefined ? { collections: 0, collected: 0, uncollectable: 0 } : { ...s });
    }
    return out;
  }

  /**
   * gc.set_threshold(threshold0, [threshold1, [threshold2]]): no range check (0 disables,
   * negatives always trigger); omitted thresholds keep their value. When a value fails to
   * convert, 3.13 changes nothing; 3.12 keeps the values converted before it (below).
   */
  setThreshold(
    threshold0: number | bigint | boolean,
    threshold1?: number | bigint | boolean,
    threshold2?: number | bigint | boolean,
  ): void;
  setThreshold(...args: unknown[]): void {
    const { positional, keywords } = splitArgs(args);
    if (keywords !== null) fail('E_TYPE_ERROR', 'set_threshold() takes no keyword arguments');
    const n = positional.length;
    if (this.python === '3.13') {
      if (n < 1 || n > PY_GENERATIONS)
        fail('E_TYPE_ERROR', 'gc.set_threshold requires 1 to 3 arguments');
    } else if (n < 1) {
      fail('E_TYPE_ERROR', `set_threshold() takes at least 1 argument (${n} given)`);
    } else if (n > PY_GENERATIONS) {
      fail('E_TYPE_ERROR', `set_threshold() takes at most 3 arguments (${n} given)`);
    }
    const values: number[] = [];
    try {
      for (const v of positional) values.push(toCIntFormatI(v, 'E_BAD_THRESHOLD'));
    } catch (e) {
      // 3.12's gc_set_threshold hands PyArg_ParseTuple("i|ii") the thresholds' own fields, so
      // each value converted before the failing one is already stored (the failing one is not).
      // 3.13's clinic wrapper (Modules/clinic/gcmodule.c.h) parses into locals: nothing is
      // stored on an error.
      if (this.python === '3.12' && values.length > 0 && this.collector.capabilities.thresholds)
        this.storeThresholds(values);
      throw e;
    }
    this.require('thresholds', 'gc.set_threshold()');
    this.storeThresholds(values);
  }

  /** gc.get_threshold(): three ints (0 for generations the collector does not have). */
  getThreshold(): [number, number, number];
  getThreshold(...args: unknown[]): [number, number, number] {
    noArgs('gc.get_threshold', args);
    this.require('thresholds', 'gc.get_threshold()');
    const t = this.collector.getThreshold();
    return [t[0] ?? 0, t[1] ?? 0, t[2] ?? 0];
  }

  /** gc.get_count(): (count0, count1, count2) — c.3. */
  getCount(): [number, number, number];
  getCount(...args: unknown[]): [number, number, number] {
    noArgs('gc.get_count', args);
    const c = this.collector.getCount();
    return [c[0] ?? 0, c[1] ?? 0, c[2] ?? 0];
  }

  /**
   * gc.get_referrers(*objs): tracked objects of generations 0–2 (not frozen ones) whose
   * traversal visits any of `objs`, each once, in generation order. Borrowed addresses.
   */
  getReferrers(...objs: Addr[]): Addr[];
  getReferrers(...args: unknown[]): Addr[] {
    const objs = varArgs(this.noKeywordsMessage('get_referrers'), args);
    this.audit?.('gc.get_referrers', [objs]);
    for (const obj of objs) checkAddr(obj, 'object');
    this.require('enumerate', 'gc.get_referrers()');
    const visitor = new ReferrersVisitor();
    visitor.targets = new Set(objs as Addr[]);
    const out: Addr[] = [];
    if (objs.length === 0) return out;
    for (const obj of this.collector.getObjects(-1)) {
      visitor.found = false;
      this.space.traverse(obj, visitor);
      if (visitor.found) out.push(obj);
    }
    return out;
  }

  /**
   * gc.get_referents(*objs): what each argument's traversal visits, argument by argument, in
   * traversal order; non-GC arguments contribute nothing. Borrowed addresses.
   */
  getReferents(...objs: Addr[]): Addr[];
  getReferents(...args: unknown[]): Addr[] {
    const objs = varArgs(this.noKeywordsMessage('get_referents'), args);
    this.audit?.('gc.get_referents', [objs]);
    for (const obj of objs) checkAddr(obj, 'object');
    const visitor = new ReferentsVisitor();
    for (const obj of objs as Addr[]) {
      if (this.isGc(obj)) this.space.traverse(obj, visitor);
    }
    return visitor.out;
  }

  /** gc.is_tracked(obj, /) */
  isTracked(obj: Addr): boolean;
  isTracked(...args: unknown[]): boolean {
    const obj = checkAddr(oneArg('gc.is_tracked', args), 'object');
    return this.isGc(obj) && this.collector.isTracked(obj);
  }

  /** gc.is_finalized(obj, /): a GC object whose PEP 442 finalizer has run. */
  isFinalized(obj: Addr): boolean;
  isFinalized(...args: unknown[]): boolean {
    const obj = checkAddr(oneArg('gc.is_finalized', args), 'object');
    if (!this.isGc(obj)) return false;
    return (this.space.memory.u32[(obj >>> 2) + OB_TYPE_IDX] & OBF_FINALIZED) !== 0;
  }

  /** gc.freeze() */
  freeze(): void;
  freeze(...args: unknown[]): void {
    noArgs('gc.freeze', args);
    this.require('freeze', 'gc.freeze()');
    this.collector.freeze();
  }

  /** gc.unfreeze() */
  unfreeze(): void;
  unfreeze(...args: unknown[]): void {
    noArgs('gc.unfreeze', args);
    this.require('freeze', 'gc.unfreeze()');
    this.collector.unfreeze();
  }

  /** gc.get_freeze_count(): 0 for a collector without a permanent generation (nothing is frozen). */
  getFreezeCount(): number;
  getFreezeCount(...args: unknown[]): number {
    noArgs('gc.get_freeze_count', args);
    return this.collector.capabilities.freeze ? this.collector.getFreezeCount() : 0;
  }

  /**
   * Interpreter shutdown — no Python function, what Py_FinalizeEx does with the collector
   * (_PyGC_CollectNoFail, then _PyGC_DumpShutdownStats): the last full collection, which runs
   * no gc.callbacks, then the "gc: N uncollectable objects at shutdown" report on gc.garbage to
   * the collector's debug sink. `resourceWarnings: true` writes that ResourceWarning as
   * `python -W default` would (Python's default filters hide it); the DEBUG_UNCOLLECTABLE
   * listing is written either way. Returns what the collection found (collected +
   * uncollectable). E_UNSUPPORTED for a collector without `collectAtShutdown`.
   */
  atShutdown(opts: { resourceWarnings?: boolean } = {}): number {
    const collector = this.collector;
    if (collector.collectAtShutdown === undefined) {
      fail(
        'E_UNSUPPORTED',
        `interpreter shutdown is not supported by the '${collector.name}' collector (no collectAtShutdown)`,
      );
    }
    const r = collector.collectAtShutdown({ resourceWarnings: opts.resourceWarnings === true });
    return r.collected + r.uncollectable;
  }

  /**
   * gc.garbage: the collector's own list (mutate it; it cannot be rebound). The collector holds
   * one reference per entry: removing an entry hands that reference to the caller.
   */
  get garbage(): Addr[] {
    return this.collector.garbage;
  }

  /** gc.callbacks: called as cb(phase, info) around every collection. */
  get callbacks(): CollectCallback[] {
    return this.collector.callbacks;
  }

  /** Thresholds 0.. of the collector's own generations (a shorter list keeps the rest). */
  private storeThresholds(values: number[]): void {
    this.collector.setThreshold(...values.slice(0, this.collector.capabilities.generations));
  }

  /** The clinic's "takes no keyword arguments" text: 3.13 names the module, 3.12 does not. */
  private noKeywordsMessage(fname: string): string {
    return `${this.python === '3.13' ? 'gc.' : ''}${fname}() takes no keyword arguments`;
  }

  private isGc(obj: Addr): boolean {
    const space = this.space;
    return (
      (space.typeFlags[space.memory.u32[(obj >>> 2) + OB_TYPE_IDX] & TYPE_ID_MASK] &
        TPFLAGS_HAVE_GC) !==
      0
    );
  }

  private require(capability: 'enumerate' | 'thresholds' | 'freeze', what: string): void {
    if (!this.collector.capabilities[capability]) {
      fail(
        'E_UNSUPPORTED',
        `${what} is not supported by the '${this.collector.name}' collector (no ${capability} capability)`,
      );
    }
  }
}

/**
 * The collector's `profile` when it names a release we reproduce. Duck-typed: the Collector
 * interface has no such field, but GenerationalCollector and others may carry one.
 */
function profileOf(collector: Collector): PythonVersion | undefined {
  const profile = (collector as { profile?: unknown }).profile;
  return profile === '3.13' || profile === '3.12' ? profile : undefined;
}

/** Python's gc module over `collector` (already attached to `space`). */
export function createGc(
  collector: Collector,
  space: ObjectSpace,
  opts: GcModuleOpts = {},
): GcModule {
  return new GcModule(collector, space, opts);
}
