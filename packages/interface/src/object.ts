import type { Addr } from './addr.js';

/*
 * Object header, shared by the refcount core (which owns it) and every collector (which reads
 * it). Mirrors CPython's PyObject (Include/object.h) with 32-bit fields; see
 * docs/decisions/0003-object-header.md.
 *
 *   block ─►┌──────────────────────────────┐
 *           │ collector prefix             │  prefixBytes of the collector, GC types only
 *   obj   ─►├──────────────────────────────┤  (CPython's PyGC_Head; 0 bytes for non-GC types)
 *           │ ob_refcnt            u32     │  OB_REFCNT_IDX   strong references
 *           ├──────────────┬───────────────┤
 *           │ flags    u16 │ type id   u16 │  OB_TYPE_IDX     flags in the high half
 *           ├──────────────┴───────────────┤
 *           │ type-specific fields …       │  e.g. ob_size, reference slots, payload
 *           └──────────────────────────────┘
 *
 * Object addresses are multiples of 8. A reference stored in a slot is the object address
 * (never the block address); 0 is "no reference" (C's NULL).
 */

/** Word index of the reference count: `u32[(obj >>> 2) + OB_REFCNT_IDX]`. */
export const OB_REFCNT_IDX = 0;
/** Word index of the type word (type id in the low 16 bits, flags in the high 16). */
export const OB_TYPE_IDX = 1;
export const OB_REFCNT_OFF = 0;
export const OB_TYPE_OFF = 4;
/** Bytes of the fixed header (refcount + type word). */
export const OBJECT_HEADER_SIZE = 8;

/** Mask of the type id inside the type word. */
export const TYPE_ID_MASK = 0xffff;
/** Largest number of types a registry can hold. */
export const MAX_TYPES = 0x10000;

/** Object flag: PEP 442 finalizer already ran (CPython keeps this bit in PyGC_Head). */
export const OBF_FINALIZED = 1 << 16;
/** Object flag: at least one weak reference points at this object. */
export const OBF_HAS_WEAKREFS = 1 << 17;
/** Object flag: the refcount core is deallocating this object (set at refcount 0). */
export const OBF_DEALLOCATING = 1 << 18;
/**
 * Object flag used by the refcount core only when no collector is attached ("refcount only"
 * mode): the object is tracked (PyObject_GC_Track was called). With a collector, tracking
 * state lives in the collector's prefix and this bit is never set.
 */
export const OBF_RC_TRACKED = 1 << 19;

/**
 * Reference count of an immortal object (PEP 683). Like CPython 3.12+ on 32-bit, an immortal
 * object's count is 0x3FFFFFFF; every count at or above it is treated as immortal, so an
 * increment of an immortal object writes nothing and a decrement never frees it.
 */
export const IMMORTAL_REFCNT = 0x3fffffff;

/** True when a reference count marks its object immortal. */
export function isImmortalRefcnt(refcnt: number): boolean {
  return refcnt >= IMMORTAL_REFCNT;
}

/*
 * Type flags, one u32 per type id in ObjectSpace.typeFlags (CPython's tp_flags and the slots
 * that are set). Bits are named, never magic numbers.
 */
/** Instances carry the collector prefix and may be tracked (Py_TPFLAGS_HAVE_GC). */
export const TPFLAGS_HAVE_GC = 1 << 0;
/** Instances may be the referent of weak references (tp_weaklistoffset != 0). */
export const TPFLAGS_WEAKREFABLE = 1 << 1;
/** The type has a PEP 442 finalizer (tp_finalize). */
export const TPFLAGS_HAS_FINALIZE = 1 << 2;
/** The type has a legacy finalizer (tp_del): unreachable cycles through it go to gc.garbage. */
export const TPFLAGS_HAS_LEGACY_DEL = 1 << 3;
/** Exact tuple: untracked by every collection when no item may be tracked (c.2). */
export const TPFLAGS_UNTRACK_TUPLE = 1 << 4;
/** Exact dict: untracked by full collections when nothing in it may be tracked (c.2). */
export const TPFLAGS_UNTRACK_DICT = 1 << 5;
/** Instances are weak reference objects. */
export const TPFLAGS_WEAKREF = 1 << 6;
/** Instances are variable-size: the item count is at word OB_SIZE_IDX. */
export const TPFLAGS_VAR_SIZE = 1 << 7;
/** The type has a tp_clear that drops references (collectors call it on garbage). */
export const TPFLAGS_HAS_CLEAR = 1 << 8;

/** Word index of ob_size in variable-size objects (PyVarObject). */
export const OB_SIZE_IDX = 2;
export const OB_SIZE_OFF = 8;
/** Bytes of the header of a variable-size object (refcount, type word, ob_size) … */
export const VAR_OBJECT_HEADER_SIZE = 12;

/** RefLayout.slotTraverse: the type has its own traverse (call ObjectSpace.traverse). */
export const REFS_CUSTOM = 0;
/** RefLayout.slotTraverse: fixed slots, then inline items at itemOffset (a tuple). */
export const REFS_INLINE = 1;
/** RefLayout.slotTraverse: fixed slots, then the item block whose address is at itemOffset (a list). */
export const REFS_ITEM_BLOCK = 2;

/**
 * The visitor a traverse function calls once per reference (CPython's visitproc). Collectors
 * keep a few visitor objects for their whole life: traversal allocates nothing per object.
 */
export interface Visitor {
  visit(ref: Addr): void;
}
