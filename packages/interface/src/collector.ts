import type { Addr } from './addr.js';
import type { ObjectSpace } from './object-space.js';

/** What a collector can do; the gc facade reports missing ones the way Python would. */
export interface CollectorCapabilities {
  /** Number of generations (3 for CPython's collector, 1 for a non-generational one). */
  readonly generations: number;
  /** Per-generation thresholds that drive automatic collections. */
  readonly thresholds: boolean;
  /** freeze / unfreeze / the permanent generation. */
  readonly freeze: boolean;
  /** Objects can be enumerated (gc.get_objects, gc.get_referrers). */
  readonly enumerate: boolean;
}

/**
 * Which hooks the refcount core must call. The core picks its hot-path functions once, at
 * construction, so that a collector that does not need a hook does not pay for it.
 */
export interface CollectorHooks {
  /** Call `containerAllocated` after every GC-type allocation (generation-0 count, triggering). */
  readonly containerAllocated: boolean;
  /** Call `decrefToNonZero` when a decrement leaves a GC object alive (Bacon–Rajan roots). */
  readonly decrefToNonZero: boolean;
  /** Call `deallocating` before a GC object's memory is freed (untrack, counts). */
  readonly deallocating: boolean;
}

/** What one collection found (CPython's "collected" and "uncollectable"). */
export interface CollectResult {
  /** The generation actually collected. */
  readonly generation: number;
  /** Unreachable objects freed (or saved, with DEBUG_SAVEALL), as CPython counts them (c.7). */
  readonly collected: number;
  /** Unreachable objects kept because of legacy finalizers (they went to `garbage`). */
  readonly uncollectable: number;
}

/** Running totals per generation, as `gc.get_stats()`. */
export interface GenerationStats {
  readonly collections: number;
  readonly collected: number;
  readonly uncollectable: number;
}

/** Phase and info passed to collection callbacks, with CPython's keys (gc.callbacks). */
export type CollectPhase = 'start' | 'stop';
export interface CollectInfo {
  readonly generation: number;
  readonly collected: number;
  readonly uncollectable: number;
}
export type CollectCallback = (phase: CollectPhase, info: CollectInfo) => void;

/** gc debug flags (Modules/gcmodule.c), same values as Python's. */
export const DEBUG_STATS = 1;
export const DEBUG_COLLECTABLE = 2;
export const DEBUG_UNCOLLECTABLE = 4;
export const DEBUG_SAVEALL = 32;
export const DEBUG_LEAK = DEBUG_COLLECTABLE | DEBUG_UNCOLLECTABLE | DEBUG_SAVEALL;

/**
 * The collector contract (DESIGN.md "Collector"). A collector is attached to exactly one
 * object space; the refcount core places `prefixBytes` of per-object prefix before every
 * GC-capable object and calls the hooks it declares.
 *
 * Generation arguments are validated by the collector: anything but an integer in
 * 0..generations−1 throws E_BAD_GENERATION ("invalid generation").
 */
export interface Collector {
  readonly name: string;
  /** Bytes of per-object prefix placed before every GC-capable object (multiple of 8). */
  readonly prefixBytes: number;
  readonly capabilities: CollectorCapabilities;
  readonly hooks: CollectorHooks;

  /** Called once by the refcount core, before any object exists. */
  attach(space: ObjectSpace): void;

  // ── hooks (called by the refcount core only for those declared in `hooks`) ──────────
  containerAllocated(obj: Addr): void;
  decrefToNonZero(obj: Addr): void;
  deallocating(obj: Addr): void;

  // ── tracking ──────────────────────────────────────────────────────────────────────
  /** Start tracking a GC object (PyObject_GC_Track). Tracking twice throws E_ALREADY_TRACKED. */
  track(obj: Addr): void;
  /** Stop tracking (PyObject_GC_UnTrack); safe to call on an untracked object. */
  untrack(obj: Addr): void;
  isTracked(obj: Addr): boolean;

  // ── collecting ────────────────────────────────────────────────────────────────────
  /**
   * Collect `generation` (default: the oldest). Returns what was found; a collection asked for
   * while one is running returns zeros without collecting (CPython returns 0).
   */
  collect(generation?: number): CollectResult;
  /**
   * Optional: the collection at interpreter shutdown (CPython's _PyGC_CollectNoFail and
   * _PyGC_DumpShutdownStats): a full collection that invokes no callbacks, then the
   * "uncollectable objects at shutdown" report on gc.garbage (a ResourceWarning, written only
   * when `resourceWarnings` is true, as Python's default warning filters hide it).
   */
  collectAtShutdown?(opts?: { resourceWarnings?: boolean }): CollectResult;
  /** Automatic collection on/off (explicit collections always run). */
  enable(): void;
  disable(): void;
  isEnabled(): boolean;
  /** True while a collection runs. */
  isCollecting(): boolean;

  // ── introspection ─────────────────────────────────────────────────────────────────
  /** Per generation counts (CPython's get_count). */
  getCount(): number[];
  getThreshold(): number[];
  /** Thresholds for the first `thresholds.length` generations; others keep their value. */
  setThreshold(...thresholds: number[]): void;
  getStats(): GenerationStats[];
  /** Tracked objects of one generation, or of all (generation undefined or −1), frozen excluded. */
  getObjects(generation?: number): Addr[];

  // ── freeze (capability `freeze`) ──────────────────────────────────────────────────
  freeze(): void;
  unfreeze(): void;
  getFreezeCount(): number;

  // ── debugging ─────────────────────────────────────────────────────────────────────
  /**
   * gc.garbage: uncollectable objects (and all unreachable ones with DEBUG_SAVEALL). The
   * collector holds one strong reference to every object in it.
   */
  readonly garbage: Addr[];
  /** gc.callbacks: called as cb(phase, info) around every collection, in order. */
  readonly callbacks: CollectCallback[];
  setDebug(flags: number): void;
  getDebug(): number;
  /** Where debug messages go (one line per call, no trailing newline); console.error by default. */
  setDebugSink(sink: (line: string) => void): void;
}
