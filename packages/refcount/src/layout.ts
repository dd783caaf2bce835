/**
 * Layouts owned by the refcount core: where an object sits in its allocator block, the
 * built-in weakref object, and the internal per-type "kind" bits that drive deallocation.
 *
 * The object header itself (refcount word, type word, ob_size) is shared with every collector
 * and lives in @pyheap/interface (object.ts); this file only adds what the core needs.
 *
 *   block ─►┌──────────────────────────────┐  allocator block (malloc(prefix + size))
 *           │ collector prefix             │  collector.prefixBytes, GC types only, zeroed
 *           │ (PyGC_Head, colour bits …)   │  at allocation; 0 bytes in refcount-only mode
 *   obj   ─►├──────────────────────────────┤  obj = block + prefix; a multiple of 8
 *           │ ob_refcnt            u32     │  OB_REFCNT_IDX  1 at alloc; IMMORTAL_REFCNT+ = immortal
 *           ├──────────────┬───────────────┤
 *           │ flags    u16 │ type id   u16 │  OB_TYPE_IDX    OBF_* in the high half
 *           ├──────────────┴───────────────┤
 *           │ ob_size  u32 (var-size only) │  OB_SIZE_IDX    item count
 *           ├──────────────────────────────┤
 *           │ fixed slots: refCount × u32  │  refOffset …    object addresses, 0 = NULL
 *           │ other fields …               │
 *           ├──────────────────────────────┤  basicSize
 *           │ items: ob_size × itemSize    │  var-size types; references when itemsAreRefs
 *           └──────────────────────────────┘
 *
 * A freed object has its type word zeroed before its block is given back (type id 0 is never
 * registered), which lets the slow paths tell "freed" from "refcount underflow" cheaply.
 */
import { OBJECT_HEADER_SIZE } from '@pyheap/interface';

/*
 * The built-in weak reference object (Objects/weakrefobject.c, PyWeakReference), a GC
 * container of its own type. The callback is a JS function kept in a side table; the
 * referent is a *weak* address (not counted), zeroed when the weakref is cleared.
 *
 *   wr ─►┌──────────────────┐
 *        │ ob_refcnt        │
 *        │ flags | type id  │
 *        │ wr_object   u32  │  WR_OBJECT_IDX  referent, 0 once cleared (Python's None)
 *        │ wr_flags    u32  │  WR_FLAGS_IDX   WRF_CALLBACK when created with a callback
 *        └──────────────────┘  16 bytes
 */
export const WR_OBJECT_IDX = 2;
export const WR_FLAGS_IDX = 3;
export const WR_OBJECT_OFF = WR_OBJECT_IDX * 4;
export const WR_FLAGS_OFF = WR_FLAGS_IDX * 4;
export const WEAKREF_BASIC_SIZE = OBJECT_HEADER_SIZE + 8;
/** wr_flags: the weakref was created with a callback (never shared, kept after the basic ref). */
export const WRF_CALLBACK = 1 << 0;
/** tp_name of the built-in weakref type (CPython 3.12+: "weakref.ReferenceType"). */
export const WEAKREF_TYPE_NAME = 'weakref.ReferenceType';

/*
 * Internal per-type kind bits (TypeRegistry.kind[typeId]): what deallocation has to do beyond
 * dropping slot references. K_SLOW_START types go through the full subtype_dealloc sequence
 * (untrack, finalizers, dealloc extra); the rest take the fast path.
 */
/** The variable-size items are references (itemsAreRefs). */
export const K_ITEM_REFS = 1 << 0;
/** The type has its own clear (tp_clear), used instead of the slot-derived one. */
export const K_CUSTOM_CLEAR = 1 << 1;
/** The type has its own traverse (tp_traverse). */
export const K_CUSTOM_TRAVERSE = 1 << 2;
/** The type has a `dealloc` extra. */
export const K_DEALLOC = 1 << 3;
/** Any of: finalize, legacyFinalize, dealloc extra, custom clear (user code at death). */
export const K_SLOW_START = 1 << 4;
/** The items are references in an out-of-line block (itemsPointerOffset; a list's ob_item). */
export const K_ITEM_BLOCK = 1 << 5;

/**
 * Nesting depth of deallocations at which further deaths are deferred to the outer work loop
 * (CPython ≤ 3.12 `_PyTrash_UNWIND_LEVEL`, spec b.7). Deaths inside finalizers, weakref
 * callbacks and custom clear functions are deallocated at once, as CPython's recursive
 * tp_dealloc does, until this depth; beyond it they wait in the work stack.
 */
export const TRASHCAN_LIMIT = 50;

/** Cursor of a work-stack frame whose object has not started deallocating yet. */
export const FRAME_DEFERRED = -1;
/** FRAME_DEFERRED for an object that was tracked when the trashcan deferred (and untracked) it. */
export const FRAME_DEFERRED_TRACKED = -2;
