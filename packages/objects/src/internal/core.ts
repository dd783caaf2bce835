/**
 * The state every part of the object model shares: the heap, fresh typed-array views of its
 * memory, the built-in type ids and a per-type "kind" table for dispatch, the singletons, and
 * the key protocol of dicts (hash and equality, CPython's PyObject_Hash and the identity-then-
 * hash-then-== test of Objects/dictobject.c). Not exported from the package.
 */
import {
  MAX_TYPES as MAX_TYPES_,
  OB_SIZE_IDX as OB_SIZE_IDX_,
  OB_TYPE_IDX as OB_TYPE_IDX_,
  TPFLAGS_HAVE_GC as TPFLAGS_HAVE_GC_,
  TPFLAGS_UNTRACK_TUPLE as TPFLAGS_UNTRACK_TUPLE_,
  TYPE_ID_MASK as TYPE_ID_MASK_,
  fail,
  type Addr,
  type Memory,
} from '@pyheap/interface';
import type { ObjectHeap } from '@pyheap/refcount';
import {
  HASH_NONE as HASH_NONE_,
  hashBytes,
  hashNumber,
  hashPointer,
  tupleHashFinish,
  tupleHashStep,
  TUPLE_HASH_INIT as TUPLE_HASH_INIT_,
} from '../hash.js';
import {
  NUM_VALUE_OFF as NUM_VALUE_OFF_,
  STR_DATA_OFF as STR_DATA_OFF_,
  STR_HASHED as STR_HASHED_,
  STR_HASH_IDX as STR_HASH_IDX_,
  STR_STATE_IDX as STR_STATE_IDX_,
  TUPLE_ITEMS_IDX as TUPLE_ITEMS_IDX_,
} from '../layout.js';
import type { HandleTable } from '../handle.js';
import type { PyRuntime } from '../runtime.js';

// Module-local copies of the constants the loops read: V8 reloads (and hole-checks) an
// imported binding at every use, a module constant it does not (docs/decisions/0006).
const MAX_TYPES = MAX_TYPES_;
const OB_SIZE_IDX = OB_SIZE_IDX_;
const OB_TYPE_IDX = OB_TYPE_IDX_;
const TPFLAGS_HAVE_GC = TPFLAGS_HAVE_GC_;
const TPFLAGS_UNTRACK_TUPLE = TPFLAGS_UNTRACK_TUPLE_;
const TYPE_ID_MASK = TYPE_ID_MASK_;
const HASH_NONE = HASH_NONE_;
const TUPLE_HASH_INIT = TUPLE_HASH_INIT_;
const NUM_VALUE_OFF = NUM_VALUE_OFF_;
const STR_DATA_OFF = STR_DATA_OFF_;
const STR_HASHED = STR_HASHED_;
const STR_HASH_IDX = STR_HASH_IDX_;
const STR_STATE_IDX = STR_STATE_IDX_;
const TUPLE_ITEMS_IDX = TUPLE_ITEMS_IDX_;

/*
 * Kinds: what a type id is to the object model, one byte per type id.
 *
 *   KIND_OTHER     a type registered by someone else (no special protocol: identity hash)
 *   KIND_NONE … KIND_DICT, KIND_TYPE   the built-ins
 *   KIND_INSTANCE  instances of a class made with rt.cls.new (one type id per class)
 *   KIND_WEAKREF   the refcount core's weakref type
 */
export const KIND_OTHER = 0;
export const KIND_NONE = 1;
export const KIND_BOOL = 2;
export const KIND_INT = 3;
export const KIND_FLOAT = 4;
export const KIND_STR = 5;
export const KIND_BYTES = 6;
export const KIND_TUPLE = 7;
export const KIND_LIST = 8;
export const KIND_DICT = 9;
export const KIND_TYPE = 10;
export const KIND_INSTANCE = 11;
export const KIND_WEAKREF = 12;

/** Per-class facts kept on the JS side, indexed by the instances' type id. */
export interface ClassInfo {
  readonly name: string;
  /** __slots__ names (without '__dict__' / '__weakref__'), in slot order. */
  readonly slotNames: readonly string[];
  readonly slotIndex: ReadonlyMap<string, number>;
  /** Instances have an attribute dict. */
  readonly hasDict: boolean;
  readonly weakrefable: boolean;
}

export class Core {
  readonly heap: ObjectHeap;
  readonly memory: Memory;
  /** Set by PyRuntime right after construction. */
  rt!: PyRuntime;
  /** Set by PyRuntime: handle bookkeeping (safety net). */
  handles!: HandleTable;

  // Views of the memory, replaced (by the onResize listener) whenever the memory's are. Read
  // them again after any call that may allocate or run user code.
  u8: Uint8Array;
  i8: Int8Array;
  i16: Int16Array;
  i32: Int32Array;
  f64: Float64Array;

  /** Type id → KIND_*. */
  readonly kind = new Uint8Array(MAX_TYPES);
  /** Instance type id → its class's facts. */
  readonly classes: (ClassInfo | undefined)[] = [];

  // Built-in type ids (assigned by registerBuiltinTypes).
  tNone = 0;
  tBool = 0;
  tInt = 0;
  tFloat = 0;
  tStr = 0;
  tBytes = 0;
  tTuple = 0;
  tList = 0;
  tDict = 0;
  tType = 0;

  // Immortal singletons (assigned by PyRuntime).
  None: Addr = 0;
  True: Addr = 0;
  False: Addr = 0;
  emptyTuple: Addr = 0;
  emptyStr: Addr = 0;
  emptyBytes: Addr = 0;
  /** Small ints −5…256: smallInts[v + 5]. */
  readonly smallInts: Addr[] = [];
  /** Single-character Latin-1 strings: latin1[code]. */
  readonly latin1: Addr[] = [];
  /** sys.intern's table: text → immortal str (docs/decisions/0012-objects-model.md). */
  readonly interned = new Map<string, Addr>();

  /** Scratch work stacks for iterative tuple hashing and comparison (reused, never shrunk). */
  private readonly stackA: number[] = [];
  private readonly stackB: number[] = [];
  private readonly stackC: number[] = [];

  constructor(heap: ObjectHeap) {
    this.heap = heap;
    this.memory = heap.memory;
    const m = this.memory;
    this.u8 = m.u8;
    this.i8 = new Int8Array(m.buffer);
    this.i16 = new Int16Array(m.buffer);
    this.i32 = m.i32;
    this.f64 = m.f64;
    m.onResize((mem) => this.refreshViews(mem));
  }

  private refreshViews(m: Memory): void {
    this.u8 = m.u8;
    this.i8 = new Int8Array(m.buffer);
    this.i16 = new Int16Array(m.buffer);
    this.i32 = m.i32;
    this.f64 = m.f64;
  }

  // ── type dispatch ─────────────────────────────────────────────────────────────────

  /**
   * The heap's u32 view, first followed to the memory's current buffer when ours was detached
   * (a WebAssembly.Memory grown by its owner; reading the memory's view makes it notify every
   * listener, our views included). The type tests below start every API call with it, so that
   * what follows them reads current views.
   */
  currentU32(): Uint32Array {
    const u32 = this.heap.u32;
    return u32.length !== 0 ? u32 : this.memory.u32;
  }

  /** Type id from the header (no validation: a bad address reads garbage, never throws). */
  typeOf(obj: Addr): number {
    return this.currentU32()[(obj >>> 2) + OB_TYPE_IDX] & TYPE_ID_MASK;
  }

  kindOf(obj: Addr): number {
    return this.kind[this.currentU32()[(obj >>> 2) + OB_TYPE_IDX] & TYPE_ID_MASK];
  }

  /** Type name for messages; "NULL" for 0. */
  nameOf(obj: Addr): string {
    if (obj === 0) return 'NULL';
    return this.heap.typeName(obj);
  }

  /**
   * An object argument: a non-zero multiple of 8 with a registered type. One or two compares;
   * the heap's debug mode checks liveness on the incref that follows.
   */
  checkObj(obj: Addr, what: string): void {
    const u32 = this.currentU32();
    if (typeof obj !== 'number' || obj <= 0 || (obj & 7) !== 0 || obj >= u32.length * 4) {
      fail('E_INVALID_ADDRESS', `${what}: ${String(obj)} is not an object address`);
    }
    if ((u32[(obj >>> 2) + OB_TYPE_IDX] & TYPE_ID_MASK) === 0) {
      fail('E_FREED_OBJECT', `${what}: the object at ${String(obj)} was freed`);
    }
  }

  /** E_TYPE_ERROR "what: expected 'list' object, got 'int'". */
  wrongType(what: string, expected: string, obj: Addr): never {
    fail('E_TYPE_ERROR', `${what}: expected '${expected}' object, got '${this.nameOf(obj)}'`);
  }

  /**
   * An index argument: an integer (negative counts from the end when `allowNegative`).
   * E_TYPE_ERROR for non-integers, as Python's "indices must be integers".
   */
  checkIndex(i: unknown, what: string): number {
    if (typeof i !== 'number' || !Number.isInteger(i)) {
      fail(
        'E_TYPE_ERROR',
        `${what} indices must be integers, not ${typeof i === 'number' ? 'float' : typeof i}`,
      );
    }
    return i;
  }

  // ── tracking rules (c.2) ──────────────────────────────────────────────────────────

  /**
   * _PyObject_GC_MAY_BE_TRACKED: a GC object that is not an exact tuple, or a tuple that is
   * currently tracked. Atoms (int, str, …) never are.
   */
  mayBeTracked(obj: Addr): boolean {
    const f = this.heap.typeFlags[this.heap.u32[(obj >>> 2) + OB_TYPE_IDX] & TYPE_ID_MASK];
    if ((f & TPFLAGS_HAVE_GC) === 0) return false;
    if ((f & TPFLAGS_UNTRACK_TUPLE) !== 0) return this.heap.isTracked(obj);
    return true;
  }

  // ── hashing (PyObject_Hash) ───────────────────────────────────────────────────────

  /** hash(obj) as int32; E_TYPE_ERROR "unhashable type: 'list'". */
  hash(obj: Addr): number {
    const k = this.kindOf(obj);
    if (k === KIND_STR || k === KIND_BYTES) return this.strHash(obj);
    if (k === KIND_INT || k === KIND_BOOL) return hashNumber(this.f64[(obj + NUM_VALUE_OFF) >>> 3]);
    if (k === KIND_TUPLE) return this.tupleHash(obj);
    return this.atomHash(obj, k);
  }

  /** Hash of anything but a str/bytes/tuple (and E_TYPE_ERROR for unhashable kinds). */
  private atomHash(obj: Addr, k: number): number {
    switch (k) {
      case KIND_INT:
      case KIND_BOOL:
        return hashNumber(this.f64[(obj + NUM_VALUE_OFF) >>> 3]);
      case KIND_FLOAT: {
        const v = this.f64[(obj + NUM_VALUE_OFF) >>> 3];
        return v !== v ? hashPointer(obj) : hashNumber(v);
      }
      case KIND_NONE:
        return HASH_NONE;
      case KIND_STR:
      case KIND_BYTES:
        return this.strHash(obj);
      case KIND_LIST:
      case KIND_DICT:
        return fail('E_TYPE_ERROR', `unhashable type: '${this.nameOf(obj)}'`);
      default:
        if (obj === 0) fail('E_INVALID_ADDRESS', 'hash: NULL is not an object');
        return hashPointer(obj);
    }
  }

  /** Cached FNV-1a hash of a str or bytes (computed on first use, as CPython's unicode_hash). */
  strHash(obj: Addr): number {
    const u32 = this.heap.u32;
    const i = obj >>> 2;
    if ((u32[i + STR_STATE_IDX] & STR_HASHED) !== 0) return this.i32[i + STR_HASH_IDX];
    const h = hashBytes(this.u8, obj + STR_DATA_OFF, u32[i + OB_SIZE_IDX]);
    this.i32[i + STR_HASH_IDX] = h;
    u32[i + STR_STATE_IDX] |= STR_HASHED;
    return h;
  }

  /**
   * tuplehash without recursion: frames of (tuple, next item, accumulator) on a work stack;
   * a nested tuple's finished hash is folded into its parent's accumulator.
   */
  private tupleHash(root: Addr): number {
    const T = this.stackA;
    const I = this.stackB;
    const A = this.stackC;
    const u32 = this.heap.u32;
    let sp = 0;
    T[0] = root;
    I[0] = 0;
    A[0] = TUPLE_HASH_INIT;
    sp = 1;
    for (;;) {
      const t = T[sp - 1];
      const n = u32[(t >>> 2) + OB_SIZE_IDX];
      const at = I[sp - 1];
      if (at < n) {
        I[sp - 1] = at + 1;
        const item = u32[(t >>> 2) + TUPLE_ITEMS_IDX + at];
        if (item === 0) fail('E_VALUE_ERROR', 'hash of a tuple under construction');
        const k = this.kindOf(item);
        if (k === KIND_TUPLE) {
          T[sp] = item;
          I[sp] = 0;
          A[sp] = TUPLE_HASH_INIT;
          sp++;
          continue;
        }
        A[sp - 1] = tupleHashStep(A[sp - 1], this.atomHash(item, k));
        continue;
      }
      const h = tupleHashFinish(A[sp - 1], n);
      sp--;
      if (sp === 0) return h;
      A[sp - 1] = tupleHashStep(A[sp - 1], h);
    }
  }

  // ── equality of keys (PyObject_RichCompare(…, Py_EQ) for hashable built-ins) ─────────

  /**
   * `a == b` for dict keys: numbers by value across int/bool/float (1 == 1.0 == True), str
   * and bytes by content, tuples item by item (work stack, no recursion), anything else by
   * identity. Never runs user code, so a lookup cannot see its dict change under it.
   */
  keyEquals(a: Addr, b: Addr): boolean {
    if (a === b) return true;
    const ka = this.kindOf(a);
    const kb = this.kindOf(b);
    if (ka !== KIND_TUPLE || kb !== KIND_TUPLE) return this.atomEquals(a, ka, b, kb);
    const S = this.stackA;
    const u32 = this.heap.u32;
    let sp = 0;
    S[sp++] = a;
    S[sp++] = b;
    while (sp > 0) {
      const y = S[--sp];
      const x = S[--sp];
      if (x === y) continue;
      const kx = this.kindOf(x);
      const ky = this.kindOf(y);
      if (kx !== KIND_TUPLE || ky !== KIND_TUPLE) {
        if (!this.atomEquals(x, kx, y, ky)) return false;
        continue;
      }
      const n = u32[(x >>> 2) + OB_SIZE_IDX];
      if (n !== u32[(y >>> 2) + OB_SIZE_IDX]) return false;
      // Push right to left so that items are compared left to right, as tuplerichcompare.
      for (let k = n - 1; k >= 0; k--) {
        S[sp++] = u32[(x >>> 2) + TUPLE_ITEMS_IDX + k];
        S[sp++] = u32[(y >>> 2) + TUPLE_ITEMS_IDX + k];
      }
    }
    return true;
  }

  private atomEquals(a: Addr, ka: number, b: Addr, kb: number): boolean {
    if (a === b) return true;
    if (isNumberKind(ka) && isNumberKind(kb)) {
      return this.f64[(a + NUM_VALUE_OFF) >>> 3] === this.f64[(b + NUM_VALUE_OFF) >>> 3];
    }
    if ((ka === KIND_STR && kb === KIND_STR) || (ka === KIND_BYTES && kb === KIND_BYTES)) {
      return this.sameBytes(a, b);
    }
    return false;
  }

  /** Content equality of two str (or two bytes) objects; a cached hash rules most out. */
  sameBytes(a: Addr, b: Addr): boolean {
    const u32 = this.heap.u32;
    const ia = a >>> 2;
    const ib = b >>> 2;
    const n = u32[ia + OB_SIZE_IDX];
    if (n !== u32[ib + OB_SIZE_IDX]) return false;
    if ((u32[ia + STR_STATE_IDX] & u32[ib + STR_STATE_IDX] & STR_HASHED) !== 0) {
      if (this.i32[ia + STR_HASH_IDX] !== this.i32[ib + STR_HASH_IDX]) return false;
    }
    const u8 = this.u8;
    const pa = a + STR_DATA_OFF;
    const pb = b + STR_DATA_OFF;
    for (let k = 0; k < n; k++) if (u8[pa + k] !== u8[pb + k]) return false;
    return true;
  }
}

function isNumberKind(k: number): boolean {
  return k === KIND_INT || k === KIND_BOOL || k === KIND_FLOAT;
}
