/**
 * PyRuntime — Python's built-in objects on a pyheap heap: an ObjectHeap (@pyheap/refcount)
 * over an allocator (pymalloc by default) and an optional cycle collector, with the built-in
 * types registered and the immortal singletons made (None, True, False, small ints −5…256,
 * the empty str/bytes/tuple and the 256 one-character Latin-1 strings, as CPython 3.12+).
 *
 * The API is CPython's C API in spirit: objects are addresses, and every call says whether it
 * returns a NEW reference (the caller must decref it) or a BORROWED one (valid while its
 * owner keeps it). Per-type calls live in sub-APIs: rt.int, rt.float, rt.bool, rt.str,
 * rt.bytes, rt.tuple, rt.list, rt.dict, rt.cls, rt.instance, rt.weakref. The safe layer is
 * PyHandle (rt.handle / rt.borrow / rt.newHandle).
 */
import {
  IMMORTAL_REFCNT,
  fail,
  type Addr,
  type Allocator,
  type AllocatorStats,
  type Collector,
  type CollectResult,
} from '@pyheap/interface';
import { createPymalloc } from '@pyheap/pymalloc';
import { ObjectHeap, type ObjectHeapStats } from '@pyheap/refcount';
import { registerBuiltinTypes } from './builtin-types.js';
import { checkObject, checkRuntime } from './check.js';
import { ClassApi } from './classes.js';
import { fromJS, toJS } from './convert.js';
import { DictApi } from './dict.js';
import { HandleTable, PyHandle } from './handle.js';
import { InstanceApi } from './instances.js';
import { Core } from './internal/core.js';
import { NUM_VALUE_OFF, SMALL_INT_MAX, SMALL_INT_MIN } from './layout.js';
import { ListApi } from './list.js';
import { BoolApi, FloatApi, IntApi } from './numbers.js';
import { repr } from './repr.js';
import { BytesApi, StrApi } from './strings.js';
import { TupleApi } from './tuple.js';
import { WeakrefApi } from './weakref.js';

export interface PyRuntimeOpts {
  /** Where objects live. Default: `createPymalloc()` over a new LinearMemory. */
  readonly allocator?: Allocator;
  /** The cycle collector. Default: none (refcount only: cycles are never freed). */
  readonly collector?: Collector;
  /** The refcount core's debug mode (use-after-free checks on every access). Default false. */
  readonly debug?: boolean;
  /** sys.unraisablehook for errors in finalizers and weakref callbacks. Default console.error. */
  readonly unraisableHook?: (error: unknown, context: string) => void;
  /**
   * Release the reference of a PyHandle that JS garbage-collected without dispose(), through
   * a FinalizationRegistry (counted in stats().leakedHandles). Default false.
   */
  readonly handleSafetyNet?: boolean;
  /**
   * CPython's free lists (spec b.9): up to 80 lists, 80 dicts, 100 floats and 2,000 tuples of
   * each length 1–20 are kept for reuse when freed; reusing or keeping one is not counted by the
   * collector (gc.get_count), full collections empty them, and their blocks stay in use until
   * then (or `rt.heap.clearFreeLists()`). Default true; false frees every object at once.
   */
  readonly freeLists?: boolean;
}

/** Type ids of the built-in types in this runtime's heap. */
export interface BuiltinTypeIds {
  readonly none: number;
  readonly bool: number;
  readonly int: number;
  readonly float: number;
  readonly str: number;
  readonly bytes: number;
  readonly tuple: number;
  readonly list: number;
  readonly dict: number;
  readonly type: number;
  readonly weakref: number;
}

export interface PyRuntimeStats {
  readonly heap: ObjectHeapStats;
  readonly allocator: AllocatorStats;
  /** Strings in the interned table (all immortal). */
  readonly interned: number;
  /** Handles released by the safety net instead of dispose(). */
  readonly leakedHandles: number;
}

export class PyRuntime {
  readonly heap: ObjectHeap;
  readonly allocator: Allocator;
  readonly types: BuiltinTypeIds;
  /** The immortal singletons (any reference to them is free: incref/decref do nothing). */
  readonly None: Addr;
  readonly True: Addr;
  readonly False: Addr;
  readonly emptyTuple: Addr;
  readonly emptyStr: Addr;
  readonly emptyBytes: Addr;

  readonly int: IntApi;
  readonly float: FloatApi;
  readonly bool: BoolApi;
  readonly str: StrApi;
  readonly bytes: BytesApi;
  readonly tuple: TupleApi;
  readonly list: ListApi;
  readonly dict: DictApi;
  readonly cls: ClassApi;
  readonly instance: InstanceApi;
  readonly weakref: WeakrefApi;

  private readonly core: Core;

  /** E_OUT_OF_MEMORY if the singletons do not fit in the allocator's memory. */
  constructor(opts: PyRuntimeOpts = {}) {
    const allocator = opts.allocator ?? createPymalloc();
    this.allocator = allocator;
    this.heap = new ObjectHeap({
      allocator,
      collector: opts.collector,
      debug: opts.debug,
      unraisableHook: opts.unraisableHook,
    });
    const core = new Core(this.heap);
    this.core = core;
    core.rt = this;
    core.handles = new HandleTable(opts.handleSafetyNet === true);
    registerBuiltinTypes(core, opts.freeLists !== false);
    this.int = new IntApi(core);
    this.float = new FloatApi(core);
    this.bool = new BoolApi(core);
    this.str = new StrApi(core);
    this.bytes = new BytesApi(core);
    this.tuple = new TupleApi(core);
    this.list = new ListApi(core);
    this.dict = new DictApi(core);
    this.cls = new ClassApi(core);
    this.instance = new InstanceApi(core);
    this.weakref = new WeakrefApi(core);
    this.types = Object.freeze({
      none: core.tNone,
      bool: core.tBool,
      int: core.tInt,
      float: core.tFloat,
      str: core.tStr,
      bytes: core.tBytes,
      tuple: core.tTuple,
      list: core.tList,
      dict: core.tDict,
      type: core.tType,
      weakref: this.heap.weakrefType,
    });
    makeSingletons(core, this);
    this.None = core.None;
    this.True = core.True;
    this.False = core.False;
    this.emptyTuple = core.emptyTuple;
    this.emptyStr = core.emptyStr;
    this.emptyBytes = core.emptyBytes;
  }

  // ── references ───────────────────────────────────────────────────────────────────

  /** Py_INCREF. */
  incref(obj: Addr): void {
    this.heap.incref(obj);
  }

  /** Py_DECREF: at zero the object is deallocated (finalizers, weakref callbacks, cascade). */
  decref(obj: Addr): void {
    this.heap.decref(obj);
  }

  /** Py_XDECREF: decref unless 0. */
  xdecref(obj: Addr): void {
    if (obj !== 0) this.heap.decref(obj);
  }

  /** Py_REFCNT (= sys.getrefcount(x) − 1); IMMORTAL_REFCNT for immortal objects. */
  refcnt(obj: Addr): number {
    return this.heap.refcnt(obj);
  }

  isImmortal(obj: Addr): boolean {
    return this.heap.refcnt(obj) >= IMMORTAL_REFCNT;
  }

  // ── introspection ────────────────────────────────────────────────────────────────

  /** type(obj).__name__ ("list", a class's name, …). */
  typeName(obj: Addr): string {
    this.core.checkObj(obj, 'typeName');
    return this.heap.typeName(obj);
  }

  /** The refcount-core type id of an object. */
  typeId(obj: Addr): number {
    return this.heap.typeId(obj);
  }

  /** gc.is_tracked(obj): from the collector, or the core's header bit without one. */
  isTracked(obj: Addr): boolean {
    return this.heap.isTracked(obj);
  }

  /** gc.is_finalized(obj). */
  isFinalized(obj: Addr): boolean {
    return this.heap.isFinalized(obj);
  }

  /** hash(obj) (int32, deterministic). E_TYPE_ERROR "unhashable type: 'list'". */
  hash(obj: Addr): number {
    this.core.checkObj(obj, 'hash');
    return this.core.hash(obj);
  }

  /**
   * `a == b` as dict keys compare: numbers by value across int/bool/float, str and bytes by
   * content, tuples item by item; every other object (lists, dicts included) by identity.
   */
  equals(a: Addr, b: Addr): boolean {
    this.core.checkObj(a, 'equals');
    this.core.checkObj(b, 'equals');
    return this.core.keyEquals(a, b);
  }

  /** repr(obj), with nesting cut at a few levels. */
  repr(obj: Addr): string {
    return repr(this.core, obj);
  }

  // ── conversion and handles ───────────────────────────────────────────────────────

  /** NEW reference to the object for a JS value (convert.ts); 0 when out of memory. */
  fromJS(value: unknown): Addr {
    return fromJS(this.core, value);
  }

  /** The JS value of an object (convert.ts). */
  toJS(obj: Addr): unknown {
    this.core.checkObj(obj, 'toJS');
    return toJS(this.core, obj);
  }

  /** A handle that takes over the NEW reference `obj`. E_OUT_OF_MEMORY for 0 (a failed call). */
  handle(obj: Addr): PyHandle {
    if (obj === 0) fail('E_OUT_OF_MEMORY', 'out of memory');
    this.core.checkObj(obj, 'handle');
    return new PyHandle(this.core, obj);
  }

  /** A handle with its own (new) reference to a BORROWED `obj`. */
  borrow(obj: Addr): PyHandle {
    this.core.checkObj(obj, 'borrow');
    this.heap.incref(obj);
    return new PyHandle(this.core, obj);
  }

  /** rt.handle(rt.fromJS(value)). */
  newHandle(value: unknown): PyHandle {
    return this.handle(this.fromJS(value));
  }

  // ── collector and checks ─────────────────────────────────────────────────────────

  /** gc.collect(generation): E_UNSUPPORTED without a collector. */
  collect(generation?: number): CollectResult {
    const c = this.heap.collector;
    if (c === null) fail('E_UNSUPPORTED', 'this runtime has no cycle collector');
    return c.collect(generation);
  }

  stats(): PyRuntimeStats {
    return {
      heap: this.heap.stats(),
      allocator: this.allocator.stats(),
      interned: this.core.interned.size,
      leakedHandles: this.core.handles.leaked,
    };
  }

  /**
   * Walk the runtime: singletons, the interned table, the heap and the allocator (and every
   * tracked object's structure when the collector can enumerate them). E_CORRUPT_HEAP.
   */
  check(): void {
    checkRuntime(this.core);
  }

  /** Walk one object's structure (list block, dict table, tuple items, …). E_CORRUPT_HEAP. */
  checkObject(obj: Addr): void {
    checkObject(this.core, obj);
  }
}

/** createRuntime(opts): a new PyRuntime (see PyRuntimeOpts for the defaults). */
export function createRuntime(opts: PyRuntimeOpts = {}): PyRuntime {
  return new PyRuntime(opts);
}

/** The immortal objects every runtime starts with. */
function makeSingletons(core: Core, rt: PyRuntime): void {
  const heap = core.heap;
  const immortal = (obj: Addr): Addr => {
    if (obj === 0) fail('E_OUT_OF_MEMORY', 'no memory for the built-in singletons');
    heap.makeImmortal(obj);
    return obj;
  };
  core.None = immortal(heap.alloc(core.tNone));
  core.False = immortal(heap.alloc(core.tBool));
  core.True = immortal(heap.alloc(core.tBool));
  core.f64[(core.True + NUM_VALUE_OFF) >>> 3] = 1;
  core.emptyTuple = immortal(heap.alloc(core.tTuple, 0));
  core.emptyStr = immortal(rt.str.make(''));
  core.emptyBytes = immortal(heap.alloc(core.tBytes, 0));
  for (let v = SMALL_INT_MIN; v <= SMALL_INT_MAX; v++)
    core.smallInts.push(immortal(rt.int.make(v)));
  for (let c = 0; c < 256; c++) core.latin1.push(immortal(rt.str.make(String.fromCharCode(c))));
}
