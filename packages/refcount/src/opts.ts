import type { Allocator, Collector } from '@pyheap/interface';

export interface ObjectHeapOpts {
  /** The allocator objects live in (e.g. `createPymalloc()`). Required. */
  allocator: Allocator;
  /**
   * The cycle collector. Default: none — "refcount only" mode: GC objects carry no prefix,
   * tracking is a header bit, and cycles are never freed (they stay visible in `stats()`).
   */
  collector?: Collector;
  /**
   * Debug mode: every incref/decref/slot access checks that the address is a live object
   * (E_FREED_OBJECT for freed ones, E_INVALID_ADDRESS for anything else), and `check()` walks
   * every live object. Default false.
   */
  debug?: boolean;
  /**
   * Where errors that cannot propagate go (sys.unraisablehook): exceptions thrown by
   * finalizers, weakref callbacks, custom clear/dealloc functions. Default: console.error.
   */
  unraisableHook?: (error: unknown, context: string) => void;
  /**
   * Offer ObjectSpace.refLayout, so that a collector walks slot-derived references in its own
   * loop instead of calling `traverse` per object. Default true; false makes collectors use
   * `traverse` for everything (to compare, or to test that path).
   */
  refLayout?: boolean;
}

/** Counters of one ObjectHeap (all since creation). */
export interface ObjectHeapStats {
  /** Objects allocated and not yet freed (allocated − deallocated); includes leaked cycles. */
  readonly liveObjects: number;
  /** Live objects of GC types (with the collector prefix, when there is a collector). */
  readonly liveGcObjects: number;
  /** Objects ever allocated by `alloc`. */
  readonly allocated: number;
  /** Objects ever freed. */
  readonly deallocated: number;
  /** Objects made immortal with `makeImmortal` (never freed). */
  readonly immortalObjects: number;
  /** PEP 442 finalizers run (refcount path and collector path). */
  readonly finalizersCalled: number;
  /** Legacy finalizers (tp_del) run. */
  readonly legacyFinalizersCalled: number;
  /** Deallocations abandoned because a finalizer resurrected the object. */
  readonly resurrections: number;
  /** Weakref callbacks run. */
  readonly weakrefCallbacksCalled: number;
  /** Objects that currently have weak references. */
  readonly objectsWithWeakrefs: number;
  /** Weakref objects currently linked to a referent. */
  readonly linkedWeakrefs: number;
  /** Deallocations deferred by the trashcan depth limit (spec b.7). */
  readonly trashcanDeferred: number;
  /** Freed objects kept on the types' free lists for reuse (their blocks are still in use). */
  readonly freeListed: number;
  /** Deepest the deallocation work stack has been (frames). */
  readonly peakWorkStack: number;
  /** Registered types (the built-in weakref type included). */
  readonly types: number;
}
