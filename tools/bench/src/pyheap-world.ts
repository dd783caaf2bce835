/**
 * The heaps the pyheap variants of R1, R2 and G1–G5 run on, and the checks they share.
 *
 * - `rcWorld`: pymalloc → ObjectHeap, with or without a GenerationalCollector ("pyheap" and
 *   "pyheap-rc" of R1 and R2). Node types are registered on the heap directly.
 * - `runtimeWorld`: pymalloc → ObjectHeap + GenerationalCollector inside @pyheap/objects'
 *   runtime (for its lists), with @pyheap/gc's module on top — what G1–G5 call, as the Python
 *   scripts call `gc`.
 *
 * A variant builds its world once, at its first run, and keeps it for every run of the bench:
 * a warm heap, as the CPython scripts run every run in one interpreter. Each run must leave
 * the heap as it found it (`Baseline`: allocator blocks and live objects), or it fails.
 */
import type { Allocator } from '@pyheap/interface';
import type { GcModule } from '@pyheap/gc';
import type { GenerationalCollector, GenerationalOpts } from '@pyheap/generational';
import type { PyRuntime } from '@pyheap/objects';
import type { ObjectHeap } from '@pyheap/refcount';
import type { Extra, MemoryReport } from './bench.js';
import { need, type ObjectModelCatalog, type ObjectPackage } from './object-model.js';

/** What the pyheap variants of G1–G5 need (runtimeWorld). */
export const RUNTIME_PACKAGES: readonly ObjectPackage[] = [
  'pymalloc',
  'refcount',
  'generational',
  'objects',
  'gc',
];

/** Offset of the first reference slot of the node types (right after the 8-byte header). */
export const SLOT0_OFF = 8;

export interface RcWorld {
  readonly allocator: Allocator;
  readonly heap: ObjectHeap;
  /** null for refcount only ("pyheap-rc"). */
  readonly collector: GenerationalCollector | null;
}

export interface RuntimeWorld {
  readonly allocator: Allocator;
  readonly heap: ObjectHeap;
  readonly collector: GenerationalCollector;
  readonly rt: PyRuntime;
  readonly gc: GcModule;
}

/** pymalloc → ObjectHeap, with a GenerationalCollector when `collector` is given. */
export function rcWorld(catalog: ObjectModelCatalog, collector: GenerationalOpts | null): RcWorld {
  const allocator = need(catalog, 'createPymalloc')();
  const Collector = collector === null ? null : need(catalog, 'GenerationalCollector');
  const c = Collector === null ? null : new Collector(collector ?? {});
  const ObjectHeap = need(catalog, 'ObjectHeap');
  const heap = new ObjectHeap(c === null ? { allocator } : { allocator, collector: c });
  return { allocator, heap, collector: c };
}

/** pymalloc → ObjectHeap + GenerationalCollector in an objects runtime, and the gc module. */
export function runtimeWorld(catalog: ObjectModelCatalog, opts: GenerationalOpts): RuntimeWorld {
  const allocator = need(catalog, 'createPymalloc')();
  const collector = new (need(catalog, 'GenerationalCollector'))(opts);
  const rt = need(catalog, 'createRuntime')({ allocator, collector });
  const gc = need(catalog, 'createGc')(collector, rt.heap);
  return { allocator, heap: rt.heap, collector, rt, gc };
}

/** `make()` on the first call, the same value after: a bench's world, built at its first setup. */
export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/**
 * A GC container type with `slots` reference slots right after the header (a class with
 * `__slots__`): basicSize 8 + 4·slots; the collector's prefix comes on top.
 */
export function registerSlotsType(heap: ObjectHeap, name: string, slots: number): number {
  return heap.registerType({
    name,
    basicSize: SLOT0_OFF + 4 * slots,
    refOffset: SLOT0_OFF,
    refCount: slots,
    gc: true,
  });
}

/** What a run must give back: allocator blocks and live objects before it built anything. */
export interface Baseline {
  readonly blocks: number;
  readonly live: number;
  readonly deallocated: number;
  /** Objects on the heap's free lists (spec b.9): their blocks stay in use. */
  readonly freeListed: number;
}

export function baseline(w: { allocator: Allocator; heap: ObjectHeap }): Baseline {
  const h = w.heap.stats();
  return {
    blocks: w.allocator.stats().blocksInUse,
    live: h.liveObjects,
    deallocated: h.deallocated,
    freeListed: h.freeListed,
  };
}

/** Objects freed since the baseline (heap stats). */
export function freedSince(w: { heap: ObjectHeap }, b: Baseline): number {
  return w.heap.stats().deallocated - b.deallocated;
}

/**
 * Throws unless live objects and allocator blocks are back at the baseline (blocks of objects
 * the free lists gained or gave since are accounted for: CPython keeps them too).
 */
export function expectBaseline(
  w: { allocator: Allocator; heap: ObjectHeap },
  b: Baseline,
  what: string,
): void {
  const h = w.heap.stats();
  const live = h.liveObjects;
  const blocks = w.allocator.stats().blocksInUse - (h.freeListed - b.freeListed);
  if (live !== b.live || blocks !== b.blocks) {
    throw new Error(
      `${what}: ${live - b.live} objects and ${blocks - b.blocks} allocator blocks more than before the run`,
    );
  }
}

/** Throws unless `got` is exactly `want`. */
export function expectCount(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`${what} is ${got}, expected ${want}`);
}

/** Peak footprint so far and the footprint now (after the run freed everything). */
export function memoryOf(w: { allocator: Allocator }): MemoryReport {
  const s = w.allocator.stats();
  return { peakBytes: s.peakFootprint, heldBytes: s.footprint };
}

/**
 * Bytes one object of `typeId` takes from the allocator: the usable size of its block
 * (collector prefix included), measured on a fresh object that is freed again.
 */
export function blockBytesOf(
  w: { allocator: Allocator; heap: ObjectHeap },
  typeId: number,
): number {
  const obj = w.heap.alloc(typeId);
  if (obj === 0) throw new Error('out of memory measuring an object');
  const bytes = w.allocator.usableSize(obj - w.heap.prefixBytes);
  w.heap.decref(obj);
  return bytes;
}

/**
 * Time inside collections and collections per generation over a region, as the Python side
 * measures with gc.callbacks and gc.get_stats(): `begin` before, `end` after.
 */
export class CollectionMeter {
  /** Milliseconds inside collections since `begin`. */
  ms = 0;
  private t0 = 0;
  private before: number[] = [0, 0, 0];
  private collectedBefore = 0;
  private readonly callback = (phase: 'start' | 'stop'): void => {
    if (phase === 'start') this.t0 = performance.now();
    else this.ms += performance.now() - this.t0;
  };

  constructor(private readonly collector: GenerationalCollector) {}

  begin(): void {
    this.ms = 0;
    const s = this.collector.getStats();
    this.before = s.map((g) => g.collections);
    this.collectedBefore = s.reduce((n, g) => n + g.collected, 0);
    this.collector.callbacks.push(this.callback);
  }

  end(): void {
    const cbs = this.collector.callbacks;
    const at = cbs.indexOf(this.callback);
    if (at >= 0) cbs.splice(at, 1);
  }

  /** Collections per generation since `begin`. */
  collections(): number[] {
    return this.collector.getStats().map((g, i) => g.collections - this.before[i]);
  }

  /** Objects collected (all generations) since `begin`. */
  collected(): number {
    return this.collector.getStats().reduce((n, g) => n + g.collected, 0) - this.collectedBefore;
  }

  extra(): Extra {
    return {
      gcSecondsMedian: this.ms / 1000,
      collections: this.collections(),
      gcThreshold: this.collector.getThreshold(),
    };
  }
}
