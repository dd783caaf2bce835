import type { Addr } from './addr.js';
import type { Allocator } from './allocator.js';
import type { Memory } from './memory.js';
import type { Visitor } from './object.js';

/**
 * What a cycle collector sees of the objects: the refcount core implements it and hands it to
 * the collector in `Collector.attach`. The collector never imports the refcount core; it reads
 * the object header directly through `memory` (offsets in object.ts) and calls these
 * operations for everything type-specific (tp_traverse, tp_clear, tp_finalize, weakrefs).
 *
 * Every address here is an object address (after the collector prefix).
 */
export interface ObjectSpace {
  readonly memory: Memory;
  readonly allocator: Allocator;
  /**
   * Type flags (TPFLAGS_*) indexed by type id. The array may be replaced when types are
   * registered: read the property again rather than caching it across calls that register.
   */
  readonly typeFlags: Uint32Array;

  /** tp_traverse: call `visitor.visit(ref)` for every reference the object holds (non-null). */
  traverse(obj: Addr, visitor: Visitor): void;
  /** tp_clear: drop the object's references; may free other objects (and `obj` itself). */
  clear(obj: Addr): void;
  /** Call the PEP 442 finalizer. The caller sets OBF_FINALIZED first and holds a reference. */
  finalize(obj: Addr): void;

  incref(obj: Addr): void;
  decref(obj: Addr): void;

  /** For a weakref object: clear it (its referent becomes None; its callback never runs). */
  clearWeakref(weakref: Addr): void;
  /**
   * Clear every weak reference to `obj`, and append those that have a callback to `out`
   * (borrowed references: the caller increfs the ones it keeps). After this call `obj` has
   * no weak references.
   */
  takeWeakrefs(obj: Addr, out: Addr[]): void;
  /** Run a cleared weakref's callback with the weakref as argument (errors → unraisable). */
  callWeakrefCallback(weakref: Addr): void;

  /**
   * Lazy untracking (CPython's _PyTuple_MaybeUntrack and _PyDict_MaybeUntrack): true when
   * nothing the object holds "may be tracked", so the collector may untrack it. Only asked for
   * objects whose type has TPFLAGS_UNTRACK_TUPLE (every collection) or TPFLAGS_UNTRACK_DICT
   * (full collections).
   */
  mayUntrack(obj: Addr): boolean;

  /**
   * Optional: empty the object model's free lists (CPython's _PyGC_ClearAllFreeLists), called
   * by collectors at the end of every full collection (generation 2), as CPython does.
   */
  clearFreeLists?(): void;

  /**
   * Optional fast path: the reference layout of every type whose traverse is derived from its
   * slots, so that a collector can walk references in its own loop instead of calling
   * `traverse` once per object (the 1M-object collections of tools/bench spend most of their
   * time in that call). Absent = always call `traverse`. Read it again after types are
   * registered (its arrays may be replaced then).
   */
  readonly refLayout?: RefLayout;

  /** "<list 0x1f40>": the form CPython's debug output uses for an object. */
  describe(obj: Addr): string;
  /** Type name of an object ("list"). */
  typeName(obj: Addr): string;
  /** Report an error that cannot propagate (sys.unraisablehook). */
  reportUnraisable(error: unknown, context: string): void;
}

/**
 * Where a type's references are, by type id (ObjectSpace.refLayout). `slotTraverse[t]` says
 * how `traverse(obj, v)` of type id `t` can be reproduced without calling it:
 * - REFS_CUSTOM (0): it cannot; the type has its own traverse — call `ObjectSpace.traverse`.
 * - REFS_INLINE (1): for k in 0..refCount[t]−1, visit the non-zero u32 at byte
 *   `obj + refOffset[t] + 4k`; then, when `itemOffset[t] !== 0`, for k = ob_size−1 down to 0,
 *   visit the non-zero u32 at byte `obj + itemOffset[t] + 4k` (inline items, last to first,
 *   as CPython's tupletraverse).
 * - REFS_ITEM_BLOCK (2): the same fixed slots; then the items are out of line: `itemOffset[t]`
 *   is the byte offset of a u32 holding the address `b` of the item block (0 = none), and for
 *   k = ob_size−1 down to 0 visit the non-zero u32 at byte `b + 4k` (a list's ob_item, as
 *   list_traverse).
 * ob_size is the u32 at byte 8 of the object. A collector that only knows some of these values
 * stays correct by calling traverse for the others.
 */
export interface RefLayout {
  readonly slotTraverse: Uint8Array;
  readonly refOffset: Uint32Array;
  readonly refCount: Uint32Array;
  readonly itemOffset: Uint32Array;
}
