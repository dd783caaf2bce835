/*
 * The collector prefix: CPython's PyGC_Head (Include/internal/pycore_gc.h) with 32-bit words.
 * The refcount core places these 8 bytes immediately before every object of a GC type.
 *
 *   prefix ─►┌───────────────────────────────────────────────┐
 *   (= obj−8)│ gc_next                               u32     │  word GC_NEXT_IDX (0)
 *            │   0            not tracked                    │
 *            │   prefix addr  next node of its list          │
 *            │   bit 0        NEXT_MASK_UNREACHABLE          │  only inside move_unreachable
 *            ├───────────────────────────────────────────────┤
 *            │ gc_prev                               u32     │  word GC_PREV_IDX (1)
 *            │   between collections: prefix addr of the     │
 *            │   previous node (low 3 bits zero)             │
 *            │   bit 1        PREV_MASK_COLLECTING           │  object is in the set collected
 *            │   bits 2..31   gc_refs (update_refs through   │  list singly linked meanwhile
 *            │                move_unreachable)              │
 *            │   bit 0        unused (CPython's FINALIZED —  │
 *            │                here OBF_FINALIZED, header)    │
 *   obj    ─►├───────────────────────────────────────────────┤
 *            │ ob_refcnt                             u32     │  prefix word 2
 *            │ flags u16 │ type id u16                       │  prefix word 3
 *            │ …                                             │
 *            └───────────────────────────────────────────────┘
 *
 * Links hold PREFIX addresses (as CPython links PyGC_Head pointers), so that with
 * `g = prefix >>> 2` a node's next, prev, refcount and type word are u32[g], u32[g+1],
 * u32[g+2] and u32[g+3]. Every prefix address is a multiple of 8 (objects are 8-aligned),
 * which leaves bits 0..2 of a link free for the flags above.
 *
 * List heads (the three generations, the permanent generation and the temporary lists of a
 * collection) are 8-byte sentinels with the same two words, carved from one block that the
 * collector allocates from the space's allocator when it is attached. Heads never carry flags.
 */

/** Bytes of the prefix (two u32 words). */
export const GC_PREFIX_BYTES = 8;
/** Words of the prefix: the prefix word index of an object is `(obj >>> 2) - PREFIX_WORDS`. */
export const PREFIX_WORDS = 2;
/** Prefix word index of gc_next: `u32[(prefix >>> 2) + GC_NEXT_IDX]`. */
export const GC_NEXT_IDX = 0;
/** Prefix word index of gc_prev. */
export const GC_PREV_IDX = 1;
/** Prefix word index of the object's ob_refcnt (the word right after the prefix). */
export const GC_REFCNT_IDX = 2;
/** Prefix word index of the object's type word. */
export const GC_TYPE_IDX = 3;
/** Prefix word index of ob_size (variable-size objects). */
export const GC_SIZE_IDX = 4;

/** gc_next flag: the node sits in move_unreachable's tentative "unreachable" list. */
export const NEXT_MASK_UNREACHABLE = 1 << 0;
/** gc_prev flag: the object belongs to the set being collected (update_refs sets it). */
export const PREV_MASK_COLLECTING = 1 << 1;
/** gc_refs is stored in gc_prev shifted left by this many bits (CPython's _PyGC_PREV_SHIFT). */
export const PREV_SHIFT = 2;
/** One gc_refs unit as stored in gc_prev. */
export const PREV_REFS_ONE = 1 << PREV_SHIFT;
/** Bits of gc_prev that are flags, not part of a link or of gc_refs. */
export const PREV_FLAGS_MASK = (1 << PREV_SHIFT) - 1;
/** Bits of gc_prev / gc_next that may carry flags (links are multiples of 8). */
export const LINK_FLAGS_MASK = 7;

/** Number of generations (CPython's NUM_GENERATIONS). */
export const NUM_GENERATIONS = 3;

/*
 * The sentinel block: one 8-byte list head per list, in this order.
 *
 *   heads ─►┌────────┬────────┬────────┬──────────┬─────────────┬────────────┬──────┬────────────┬────────────┐
 *           │ gen 0  │ gen 1  │ gen 2  │ permanent│ unreachable │ finalizers │ seen │ final_unr. │ wrcb_to_call│
 *           └────────┴────────┴────────┴──────────┴─────────────┴────────────┴──────┴────────────┴────────────┘
 *             +0       +8       +16      +24        +32           +40          +48    +56          +64
 */
export const HEAD_GEN0 = 0;
export const HEAD_PERMANENT = 3;
export const HEAD_UNREACHABLE = 4;
export const HEAD_FINALIZERS = 5;
export const HEAD_SEEN = 6;
export const HEAD_FINAL_UNREACHABLE = 7;
export const HEAD_WRCB_TO_CALL = 8;
/** Number of list heads in the sentinel block. */
export const NUM_HEADS = 9;
/** Bytes of one list head. */
export const HEAD_BYTES = 8;

/** CPython 3.13's default thresholds (Include/internal/pycore_runtime_init.h). */
export const THRESHOLDS_3_13: readonly [number, number, number] = [2000, 10, 10];
/** CPython 3.12's (and 3.11's) default thresholds. */
export const THRESHOLDS_3_12: readonly [number, number, number] = [700, 10, 10];
