/**
 * Memory layouts of the built-in objects (CPython's Include/cpython/*object.h, 32-bit fields).
 *
 * Every object starts with the refcount core's 8-byte header (ob_refcnt, type word; see
 * @pyheap/interface object.ts). GC types (tuple, list, dict, type, instances) have the
 * collector's prefix *before* the object address, so none of the offsets below change with
 * the collector. Word indices (`_IDX`) are relative to `obj >>> 2`; byte offsets (`_OFF`)
 * to `obj`. Object addresses are multiples of 8, so the f64 payloads are 8-aligned.
 */

// ── int, bool, float ────────────────────────────────────────────────────────────────────
/*
 *   obj ─►┌────────────────────┐
 *         │ ob_refcnt      u32 │
 *         │ type word      u32 │
 *         ├────────────────────┤
 *         │ value          f64 │  NUM_VALUE_OFF: a safe integer (int, bool 0/1) or a double
 *         └────────────────────┘  16 bytes
 *
 * CPython's int is arbitrary precision; ours holds integers up to ±(2^53 − 1) exactly
 * (docs/decisions/0012-objects-model.md) and rejects larger ones with E_OVERFLOW.
 */
export const NUM_VALUE_OFF = 8;
export const NUM_SIZE = 16;

/** Small-int cache bounds (CPython's _PY_NSMALLNEGINTS / _PY_NSMALLPOSINTS): −5 … 256. */
export const SMALL_INT_MIN = -5;
export const SMALL_INT_MAX = 256;

// ── str and bytes ───────────────────────────────────────────────────────────────────────
/*
 *   obj ─►┌────────────────────┐
 *         │ ob_refcnt      u32 │
 *         │ type word      u32 │
 *         │ ob_size        u32 │  OB_SIZE_IDX: byte length of the data (UTF-8 for str)
 *         │ hash           i32 │  STR_HASH_IDX: cached hash, valid when STR_HASHED is set
 *         │ state          u32 │  STR_STATE_IDX: STR_HASHED | STR_INTERNED | STR_ASCII
 *         │ length         u32 │  STR_LENGTH_IDX: code points (Python's len) / bytes
 *         ├────────────────────┤
 *         │ data …   ob_size B │  STR_DATA_OFF: UTF-8 bytes (no terminator)
 *         └────────────────────┘
 *
 * Like CPython's compact strings the characters live inside the object (one block); unlike
 * CPython (Latin-1/UCS-2/UCS-4 by widest character) the encoding is always UTF-8.
 */
export const STR_HASH_IDX = 3;
export const STR_STATE_IDX = 4;
export const STR_LENGTH_IDX = 5;
export const STR_DATA_OFF = 24;
/** Bytes before the data (the TypeSpec basicSize); the data is the var-size part. */
export const STR_HEADER_SIZE = 24;

/** state: the hash word holds the cached hash (CPython uses hash == −1 for "not yet"). */
export const STR_HASHED = 1 << 0;
/** state: the string is in the interned table (which holds no counted reference). */
export const STR_INTERNED = 1 << 1;
/** state: every character is ASCII (length == ob_size). */
export const STR_ASCII = 1 << 2;

// ── tuple ───────────────────────────────────────────────────────────────────────────────
/*
 *   obj ─►┌────────────────────┐
 *         │ ob_refcnt      u32 │
 *         │ type word      u32 │
 *         │ ob_size        u32 │  number of items (fixed at creation)
 *         ├────────────────────┤
 *         │ ob_item[0]    Addr │  TUPLE_ITEMS_OFF; a 0 item means "under construction"
 *         │ …                  │
 *         └────────────────────┘  12 + 4·n bytes
 */
export const TUPLE_ITEMS_OFF = 12;
export const TUPLE_ITEMS_IDX = 3;
export const TUPLE_HEADER_SIZE = 12;

// ── list ────────────────────────────────────────────────────────────────────────────────
/*
 *   obj ─►┌────────────────────┐          ob_item ─►┌──────────────┐
 *         │ ob_refcnt      u32 │                    │ item 0  Addr │
 *         │ type word      u32 │                    │ …            │
 *         │ ob_size        u32 │  len(list)         │ item len−1   │
 *         │ ob_item       Addr │ ──────────────────►│ (spare) …    │ allocated slots
 *         │ allocated      u32 │                    └──────────────┘
 *         └────────────────────┘  20 bytes           a separate allocator block
 *
 * Invariant: 0 ≤ ob_size ≤ allocated; ob_item == 0 iff allocated == 0; slots ≥ ob_size are
 * garbage and never read. Growth and shrink follow CPython's list_resize.
 */
export const LIST_SIZE_IDX = 2;
export const LIST_ITEMS_IDX = 3;
export const LIST_ITEMS_OFF = 12;
export const LIST_ALLOCATED_IDX = 4;
export const LIST_SIZE = 20;

// ── dict ────────────────────────────────────────────────────────────────────────────────
/*
 *   obj ─►┌────────────────────┐
 *         │ ob_refcnt      u32 │
 *         │ type word      u32 │
 *         │ ma_used        u32 │  live items
 *         │ ma_keys       Addr │  keys table (below), 0 for a dict that never held a key
 *         │ ma_flags       u32 │  DICT_MANAGED
 *         │ ma_version     u32 │  bumped by every mutation (iteration checks)
 *         └────────────────────┘  24 bytes
 *
 *   ma_keys ─►┌─────────────────────────┐  (CPython's PyDictKeysObject, a separate block)
 *             │ dk_size             u32 │  DK_SIZE_IDX: index slots, a power of two ≥ 8
 *             │ dk_usable           u32 │  DK_USABLE_IDX: entries that can still be appended
 *             │ dk_nentries         u32 │  DK_NENTRIES_IDX: entries used, live or deleted
 *             │ dk_kind             u32 │  DK_KIND_IDX: DK_UNICODE (all keys str) / DK_GENERAL
 *             ├─────────────────────────┤
 *             │ dk_indices[dk_size]     │  i8 (size ≤ 128), i16 (≤ 2^15) or i32 each:
 *             │                         │  DKIX_EMPTY, DKIX_DUMMY or an entry index
 *             ├─────────────────────────┤
 *             │ dk_entries[usable(size)]│  {hash i32, key Addr, value Addr}, insertion order;
 *             │                         │  a deleted entry has key = value = 0
 *             └─────────────────────────┘
 *
 * See docs/decisions/0011-dict-design.md.
 */
export const DICT_USED_IDX = 2;
export const DICT_KEYS_IDX = 3;
export const DICT_FLAGS_IDX = 4;
export const DICT_VERSION_IDX = 5;
export const DICT_SIZE = 24;

/** ma_flags: the dict is an instance's attribute dict, not yet handed out (see classes.ts). */
export const DICT_MANAGED = 1 << 0;

export const DK_SIZE_IDX = 0;
export const DK_USABLE_IDX = 1;
export const DK_NENTRIES_IDX = 2;
export const DK_KIND_IDX = 3;
export const DK_HEADER_SIZE = 16;
/** Words per entry: hash, key, value. */
export const DK_ENTRY_WORDS = 3;
export const DKE_HASH = 0;
export const DKE_KEY = 1;
export const DKE_VALUE = 2;

export const DK_UNICODE = 0;
export const DK_GENERAL = 1;

/** Index-slot markers (CPython's DKIX_EMPTY / DKIX_DUMMY). */
export const DKIX_EMPTY = -1;
export const DKIX_DUMMY = -2;

/** log2 of the smallest index table (CPython's PyDict_LOG_MINSIZE): 8 slots. */
export const DICT_LOG_MINSIZE = 3;
export const DICT_MINSIZE = 1 << DICT_LOG_MINSIZE;
/** Probe perturbation shift (CPython's PERTURB_SHIFT). */
export const PERTURB_SHIFT = 5;

// ── type (class objects) ────────────────────────────────────────────────────────────────
/*
 *   obj ─►┌────────────────────┐
 *         │ ob_refcnt      u32 │
 *         │ type word      u32 │  the built-in 'type' type id
 *         │ name          Addr │  CLASS_NAME_IDX: a str (strong reference)
 *         │ instance type  u32 │  CLASS_INSTANCE_TYPE_IDX: type id of its instances
 *         └────────────────────┘  16 bytes
 */
export const CLASS_NAME_IDX = 2;
export const CLASS_NAME_OFF = 8;
export const CLASS_INSTANCE_TYPE_IDX = 3;
export const CLASS_SIZE = 16;

// ── instances ───────────────────────────────────────────────────────────────────────────
/*
 *   obj ─►┌────────────────────┐
 *         │ ob_refcnt      u32 │
 *         │ type word      u32 │  the class's own instance type id
 *         │ __class__     Addr │  INST_CLASS_IDX: strong reference to the class object
 *         │ __dict__      Addr │  INST_DICT_IDX: attribute dict, 0 until the first setattr
 *         ├────────────────────┤
 *         │ slot[0]       Addr │  INST_SLOTS_IDX: __slots__ values (0 = unset)
 *         │ …                  │
 *         └────────────────────┘  16 + 4·nslots bytes
 */
export const INST_CLASS_IDX = 2;
export const INST_DICT_IDX = 3;
export const INST_SLOTS_IDX = 4;
export const INST_HEADER_SIZE = 16;
