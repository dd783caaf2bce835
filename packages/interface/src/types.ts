import type { Addr } from './addr.js';
import type { Visitor } from './object.js';

/**
 * How a type describes its instances to the refcount core (CPython's PyTypeObject slots that
 * matter for memory management). A type either says where its references are (fixed slots
 * and/or a variable reference area), and the core derives traverse/clear from that, or gives
 * `traverse` and `clear` itself (for out-of-line storage such as a list's item array).
 *
 * `T` is whatever the refcount core passes as its first argument (its object space).
 */
export interface TypeSpec<T = unknown> {
  /** Type name as Python prints it ("list", "Foo"). */
  readonly name: string;
  /** Bytes of the object including the 8-byte header (without the collector prefix). */
  readonly basicSize: number;
  /** Bytes per item of a variable-size object (PyVarObject); ob_size holds the item count. */
  readonly itemSize?: number;
  /** GC-capable: instances get the collector prefix and may be tracked. */
  readonly gc?: boolean;
  /** Instances may be the referents of weak references. */
  readonly weakrefable?: boolean;
  /** Byte offset (from the object address) of the first fixed reference slot. */
  readonly refOffset?: number;
  /** Number of fixed reference slots (u32 addresses) starting at `refOffset`. */
  readonly refCount?: number;
  /** The variable-size items are references (a tuple's items). */
  readonly itemsAreRefs?: boolean;
  /**
   * The items are references held out of line (a list's ob_item): the u32 at this byte offset
   * is the address of a separate block holding ob_size references (0 = no block). With it the
   * core derives traverse (fixed slots, then the items last to first, as list_traverse) and
   * offers it to collectors in `ObjectSpace.refLayout`. The block belongs to the type, so
   * `clear` is required (it drops the items and frees the block); `traverse` must be absent.
   * Needs basicSize ≥ 16 (ob_size is the u32 at byte 8) and no itemSize.
   */
  readonly itemsPointerOffset?: number;
  /**
   * Free list (spec b.9): keep up to this many freed instances for reuse instead of giving
   * their memory back, as CPython's list, dict, tuple and float free lists do. Taking one is
   * not a GC allocation and keeping one is not a GC deallocation: the collector's generation-0
   * count sees neither. Emptied by full collections (ObjectSpace.clearFreeLists). 0 or absent:
   * none.
   */
  readonly freeList?: number;
  /**
   * With `freeList`, for variable-size types: one free list per item count 1..freeListItems
   * (CPython's tuples: 20 lists of 2,000); other counts are never kept.
   */
  readonly freeListItems?: number;
  /** Lazy untracking rule (c.2): 'tuple' every collection, 'dict' on full collections. */
  readonly lazyUntrack?: 'tuple' | 'dict';
  /** Custom tp_traverse; replaces the slot-derived one. */
  traverse?(space: T, obj: Addr, visitor: Visitor): void;
  /** Custom tp_clear: drop references (set each field to 0 before decref, as Py_CLEAR). */
  clear?(space: T, obj: Addr): void;
  /** Extra work in tp_dealloc before references are dropped (free out-of-line buffers…). */
  dealloc?(space: T, obj: Addr): void;
  /** PEP 442 tp_finalize: runs at most once for GC objects; may resurrect. */
  finalize?(space: T, obj: Addr): void;
  /** Legacy tp_del: cycles through such objects are uncollectable (gc.garbage). */
  legacyFinalize?(space: T, obj: Addr): void;
  /** Items "may be tracked" test for lazy untracking; required with `lazyUntrack`. */
  mayUntrack?(space: T, obj: Addr): boolean;
}
