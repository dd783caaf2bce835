/*
 * GenerationalCollector — CPython's generational cycle collector (Python/gc.c in 3.13,
 * Modules/gcmodule.c in 3.12) over a pyheap ObjectSpace: three generations plus the permanent
 * generation, threaded through an 8-byte per-object prefix (layout.ts), automatic collections
 * driven by allocation counts (spec c.3–c.5), one collection as spec c.6 (internal/collect.ts).
 */
import {
  DEBUG_SAVEALL,
  DEBUG_UNCOLLECTABLE,
  TPFLAGS_HAVE_GC as TPFLAGS_HAVE_GC_,
  TYPE_ID_MASK as TYPE_ID_MASK_,
  OB_TYPE_IDX as OB_TYPE_IDX_,
  fail,
  hexAddr,
  type Addr,
  type CollectCallback,
  type Collector,
  type CollectorCapabilities,
  type CollectorHooks,
  type CollectResult,
  type GenerationStats,
  type ObjectSpace,
} from '@pyheap/interface';
import { checkState } from './internal/check.js';
import { collectMain, wantsCollection } from './internal/collect.js';
import { listAppend, listInit, listMerge, listRemove, listSize } from './internal/gc-list.js';
import { GcState } from './internal/state.js';
import {
  GC_PREFIX_BYTES as GC_PREFIX_BYTES_,
  HEAD_BYTES as HEAD_BYTES_,
  HEAD_PERMANENT as HEAD_PERMANENT_,
  NUM_GENERATIONS as NUM_GENERATIONS_,
  NUM_HEADS as NUM_HEADS_,
  THRESHOLDS_3_12 as THRESHOLDS_3_12_,
  THRESHOLDS_3_13 as THRESHOLDS_3_13_,
} from './layout.js';
import type { CollectionSchedule, GenerationalOpts, GenerationalProfile } from './options.js';

// Module-local copies of the constants the loops read: V8 reloads (and hole-checks) an
// imported binding at every use, a module constant it does not (docs/decisions/0018).
const TPFLAGS_HAVE_GC = TPFLAGS_HAVE_GC_;
const TYPE_ID_MASK = TYPE_ID_MASK_;
const OB_TYPE_IDX = OB_TYPE_IDX_;
const GC_PREFIX_BYTES = GC_PREFIX_BYTES_;
const HEAD_BYTES = HEAD_BYTES_;
const HEAD_PERMANENT = HEAD_PERMANENT_;
const NUM_GENERATIONS = NUM_GENERATIONS_;
const NUM_HEADS = NUM_HEADS_;
const THRESHOLDS_3_12 = THRESHOLDS_3_12_;
const THRESHOLDS_3_13 = THRESHOLDS_3_13_;

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;

function isInt32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX;
}

function checkGeneration(generation: unknown): number {
  if (
    typeof generation !== 'number' ||
    !Number.isInteger(generation) ||
    generation < 0 ||
    generation >= NUM_GENERATIONS
  ) {
    fail('E_BAD_GENERATION', 'invalid generation');
  }
  return generation;
}

export class GenerationalCollector implements Collector {
  readonly name = 'generational';
  readonly prefixBytes = GC_PREFIX_BYTES;
  readonly capabilities: CollectorCapabilities = {
    generations: NUM_GENERATIONS,
    thresholds: true,
    freeze: true,
    enumerate: true,
  };
  /** Allocation counts and untracking at deallocation; no per-decref work. */
  readonly hooks: CollectorHooks = {
    containerAllocated: true,
    decrefToNonZero: false,
    deallocating: true,
  };
  readonly profile: GenerationalProfile;
  readonly schedule: CollectionSchedule;
  private readonly state: GcState;

  constructor(opts: GenerationalOpts = {}) {
    const profile = opts.profile ?? '3.13';
    if (profile !== '3.13' && profile !== '3.12') {
      fail('E_INVALID_ARGUMENT', `profile must be '3.13' or '3.12', got ${String(profile)}`);
    }
    const schedule = opts.schedule ?? 'allocation';
    if (schedule !== 'allocation' && schedule !== 'safepoint') {
      fail(
        'E_INVALID_ARGUMENT',
        `schedule must be 'allocation' or 'safepoint', got ${String(schedule)}`,
      );
    }
    const thresholds = opts.thresholds ?? (profile === '3.13' ? THRESHOLDS_3_13 : THRESHOLDS_3_12);
    if (thresholds.length !== NUM_GENERATIONS || !thresholds.every(isInt32)) {
      fail('E_BAD_THRESHOLD', 'thresholds must be three 32-bit signed integers');
    }
    this.profile = profile;
    this.schedule = schedule;
    this.state = new GcState(thresholds, opts.debug ?? false);
    this.state.enabled = opts.enabled ?? true;
    if (opts.debugSink) this.state.sink = opts.debugSink;
  }

  /** Allocates the list heads from the space's allocator (one block of NUM_HEADS sentinels). */
  attach(space: ObjectSpace): void {
    const state = this.state;
    if (state.heads !== 0)
      fail('E_INVALID_ARGUMENT', 'the collector is already attached to an object space');
    const heads = space.allocator.malloc(NUM_HEADS * HEAD_BYTES);
    if (heads === 0) fail('E_OUT_OF_MEMORY', 'no memory for the collector list heads');
    if ((heads & 7) !== 0)
      fail(
        'E_INVALID_ARGUMENT',
        `allocator returned a block that is not 8-aligned (${hexAddr(heads)})`,
      );
    state.space = space;
    state.memory = space.memory;
    state.u32 = space.memory.u32;
    space.memory.onResize((m) => {
      state.u32 = m.u32;
    });
    state.heads = heads;
    state.permanent = heads + HEAD_PERMANENT * HEAD_BYTES;
    const u32 = space.memory.u32;
    for (let i = 0; i < NUM_HEADS; i++) listInit(u32, heads + i * HEAD_BYTES);
  }

  // ── hooks ─────────────────────────────────────────────────────────────────────────

  /**
   * _PyObject_GC_Link: count0 += 1 for every GC allocation (tracked or not), then the
   * trigger test of c.4. The new object is not tracked yet, so a collection run here cannot
   * see it half-built.
   */
  containerAllocated(_obj: Addr): void {
    const state = this.state;
    state.counts[0]++;
    if (wantsCollection(state)) {
      if (this.schedule === 'allocation') collectMain(state, -1);
      else state.scheduled = true;
    }
  }

  decrefToNonZero(_obj: Addr): void {}

  /** PyObject_GC_Del: unlink if still tracked; count0 −= 1 while it is positive. */
  deallocating(obj: Addr): void {
    const state = this.state;
    const u32 = state.currentU32();
    const g = obj - GC_PREFIX_BYTES;
    if (u32[g >>> 2] !== 0) {
      listRemove(u32, g);
      u32[(g >>> 2) + 1] = 0;
    }
    if (state.counts[0] > 0) state.counts[0]--;
  }

  // ── tracking ──────────────────────────────────────────────────────────────────────

  private isGcObject(u32: Uint32Array, obj: Addr): boolean {
    return (
      (this.state.space.typeFlags[u32[(obj >>> 2) + OB_TYPE_IDX] & TYPE_ID_MASK] &
        TPFLAGS_HAVE_GC) !==
      0
    );
  }

  /** PyObject_GC_Track: append to generation 0. */
  track(obj: Addr): void {
    const state = this.state;
    const u32 = state.currentU32();
    if (!this.isGcObject(u32, obj))
      fail('E_ALREADY_TRACKED', `cannot track ${hexAddr(obj)}: not an object of a GC type`);
    const g = obj - GC_PREFIX_BYTES;
    if (u32[g >>> 2] !== 0)
      fail('E_ALREADY_TRACKED', 'object already tracked by the garbage collector');
    u32[(g >>> 2) + 1] = 0;
    listAppend(u32, g, state.heads);
  }

  /** PyObject_GC_UnTrack: safe on untracked and non-GC objects. */
  untrack(obj: Addr): void {
    const u32 = this.state.currentU32();
    if (!this.isGcObject(u32, obj)) return;
    const g = obj - GC_PREFIX_BYTES;
    if (u32[g >>> 2] === 0) return;
    listRemove(u32, g);
    u32[(g >>> 2) + 1] = 0;
  }

  isTracked(obj: Addr): boolean {
    const u32 = this.state.currentU32();
    return this.isGcObject(u32, obj) && u32[(obj - GC_PREFIX_BYTES) >>> 2] !== 0;
  }

  // ── collecting ────────────────────────────────────────────────────────────────────

  /**
   * Collect `generation` (default 2) and every younger one. A call made while a collection
   * runs (from a finalizer or callback) returns zeros without collecting.
   */
  collect(generation: number = NUM_GENERATIONS - 1): CollectResult {
    const g = checkGeneration(generation);
    this.requireAttached();
    return collectMain(this.state, g) ?? { generation: g, collected: 0, uncollectable: 0 };
  }

  /**
   * Interpreter shutdown (Python/pylifecycle.c): the last full collection, which invokes no
   * gc.callbacks (_PyGC_CollectNoFail), then _PyGC_DumpShutdownStats: when gc.garbage is not
   * empty and DEBUG_SAVEALL is off, the ResourceWarning "gc: N uncollectable objects at
   * shutdown; use gc.set_debug(gc.DEBUG_UNCOLLECTABLE) to list them" (without the advice under
   * DEBUG_UNCOLLECTABLE, which also writes the list). Python's default warning filters ignore
   * ResourceWarning, so its line is written only with `resourceWarnings: true` (`python -W
   * default`, `-X dev`, as test_gc runs it); the list is written either way. Both go to the
   * debug sink, in the form Python's stderr shows them. Nested in a collection: zeros.
   */
  collectAtShutdown(opts: { resourceWarnings?: boolean } = {}): CollectResult {
    this.requireAttached();
    const state = this.state;
    const oldest = NUM_GENERATIONS - 1;
    const r = collectMain(state, oldest, false) ?? {
      generation: oldest,
      collected: 0,
      uncollectable: 0,
    };
    const garbage = state.garbage;
    if ((state.debugFlags & DEBUG_SAVEALL) === 0 && garbage.length > 0) {
      const listing = (state.debugFlags & DEBUG_UNCOLLECTABLE) !== 0;
      if (opts.resourceWarnings === true) {
        const advice = listing ? '' : '; use gc.set_debug(gc.DEBUG_UNCOLLECTABLE) to list them';
        state.sink(
          `gc:0: ResourceWarning: gc: ${garbage.length} uncollectable objects at shutdown${advice}`,
        );
      }
      if (listing) state.sink(`      [${garbage.map((o) => state.space.describe(o)).join(', ')}]`);
    }
    return r;
  }

  /**
   * Safe-point schedule: run the automatic collection the allocation hook scheduled, if any
   * (CPython 3.12+'s _Py_RunGC from the eval breaker). Returns what it found (0 when none ran,
   * automatic collection is disabled, or no generation qualifies any more).
   */
  collectScheduled(): number {
    const state = this.state;
    if (!state.scheduled) return 0;
    state.scheduled = false;
    if (!state.enabled) return 0;
    const r = collectMain(state, -1);
    return r === null ? 0 : r.collected + r.uncollectable;
  }

  /** True when an automatic collection waits for `collectScheduled()` (safe-point schedule). */
  isScheduled(): boolean {
    return this.state.scheduled;
  }

  enable(): void {
    this.state.enabled = true;
  }
  disable(): void {
    this.state.enabled = false;
  }
  isEnabled(): boolean {
    return this.state.enabled;
  }
  isCollecting(): boolean {
    return this.state.collecting;
  }

  // ── introspection ─────────────────────────────────────────────────────────────────

  getCount(): number[] {
    const c = this.state.counts;
    return [c[0], c[1], c[2]];
  }

  getThreshold(): number[] {
    const t = this.state.thresholds;
    return [t[0], t[1], t[2]];
  }

  /** No range check, as CPython: 0 disables automatic collection, negatives always trigger. */
  setThreshold(...thresholds: number[]): void {
    if (thresholds.length < 1 || thresholds.length > NUM_GENERATIONS) {
      fail(
        'E_INVALID_ARGUMENT',
        `setThreshold takes 1 to ${NUM_GENERATIONS} thresholds (${thresholds.length} given)`,
      );
    }
    for (const t of thresholds) {
      if (!isInt32(t))
        fail('E_BAD_THRESHOLD', `threshold must be a 32-bit signed integer, got ${String(t)}`);
    }
    for (let i = 0; i < thresholds.length; i++) this.state.thresholds[i] = thresholds[i];
  }

  getStats(): GenerationStats[] {
    const s = this.state;
    const out: GenerationStats[] = [];
    for (let i = 0; i < NUM_GENERATIONS; i++) {
      out.push({
        collections: s.statCollections[i],
        collected: s.statCollected[i],
        uncollectable: s.statUncollectable[i],
      });
    }
    return out;
  }

  /** Tracked objects of one generation (list order), or of all three for −1 / undefined. */
  getObjects(generation?: number): Addr[] {
    const state = this.state;
    if (generation !== undefined && generation !== -1) {
      if (typeof generation !== 'number' || !Number.isInteger(generation))
        fail('E_BAD_GENERATION', 'invalid generation');
      if (generation >= NUM_GENERATIONS) {
        fail(
          'E_BAD_GENERATION',
          'generation parameter must be less than the number of available generations (3)',
        );
      }
      if (generation < -1) fail('E_BAD_GENERATION', 'generation parameter cannot be negative');
    }
    const out: Addr[] = [];
    if (state.heads === 0) return out;
    const u32 = state.memory.u32;
    const first = generation === undefined || generation === -1 ? 0 : generation;
    const last = generation === undefined || generation === -1 ? NUM_GENERATIONS - 1 : generation;
    for (let i = first; i <= last; i++) {
      const head = state.genHead(i);
      for (let g = u32[head >>> 2]; g !== head; g = u32[g >>> 2]) out.push(g + GC_PREFIX_BYTES);
    }
    return out;
  }

  // ── freeze ────────────────────────────────────────────────────────────────────────

  /** gc.freeze: generations 0, 1, 2 (in that order) onto the permanent generation; counts 0. */
  freeze(): void {
    const state = this.state;
    this.requireAttached();
    const u32 = state.memory.u32;
    for (let i = 0; i < NUM_GENERATIONS; i++) {
      listMerge(u32, state.genHead(i), state.permanent);
      state.counts[i] = 0;
    }
  }

  /** gc.unfreeze: the permanent generation onto the end of generation 2. */
  unfreeze(): void {
    const state = this.state;
    this.requireAttached();
    listMerge(state.memory.u32, state.permanent, state.genHead(NUM_GENERATIONS - 1));
  }

  /** Length of the permanent generation (frozen and immortal objects), O(n). */
  getFreezeCount(): number {
    const state = this.state;
    return state.heads === 0 ? 0 : listSize(state.memory.u32, state.permanent);
  }

  // ── debugging ─────────────────────────────────────────────────────────────────────

  /** gc.garbage. The collector holds one reference per entry: whoever removes one owns it. */
  get garbage(): Addr[] {
    return this.state.garbage;
  }
  get callbacks(): CollectCallback[] {
    return this.state.callbacks;
  }

  /** Any 32-bit integer is accepted and returned unchanged; only the DEBUG_* bits act. */
  setDebug(flags: number): void {
    if (!isInt32(flags))
      fail(
        'E_INVALID_ARGUMENT',
        `debug flags must be a 32-bit signed integer, got ${String(flags)}`,
      );
    this.state.debugFlags = flags;
  }
  getDebug(): number {
    return this.state.debugFlags;
  }
  setDebugSink(sink: (line: string) => void): void {
    this.state.sink = sink;
  }

  /** Walk every list; throws E_CORRUPT_HEAP on the first broken invariant. */
  check(): void {
    checkState(this.state);
  }

  private requireAttached(): void {
    if (this.state.heads === 0)
      fail('E_INVALID_ARGUMENT', 'the collector is not attached to an object space');
  }
}
