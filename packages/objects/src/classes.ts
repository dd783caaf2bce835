/**
 * Classes (heap types made by a `class` statement; Objects/typeobject.c type_new): each
 * class registers its own instance type with the refcount core, and is itself a GC object
 * of the built-in 'type' type holding its name (layout.ts).
 *
 * Like CPython's heap types every class is GC-capable ("all heap types need GC"), its
 * instances are tracked at creation and hold a strong reference to their class. Instances
 * have an attribute dict unless `slots` is given; with slots they have exactly those fixed
 * attribute slots, plus a dict if the slots name '__dict__' and weak-reference support if
 * they name '__weakref__' — Python's __slots__ rules.
 *
 * A `finalize` callback is the class's `__del__` (PEP 442 tp_finalize: runs at most once,
 * may resurrect); `legacyDel` is a pre-3.4 tp_del (CPython's test helper `with_tp_del`):
 * the cyclic collector cannot free cycles through such instances (gc.garbage).
 */
import {
  OBF_DEALLOCATING,
  OB_TYPE_IDX,
  fail,
  type Addr,
  type TypeSpec,
  type Visitor,
} from '@pyheap/interface';
import type { ObjectHeap } from '@pyheap/refcount';
import { dictTraverse } from './dict.js';
import { KIND_INSTANCE, KIND_TYPE, type ClassInfo, type Core } from './internal/core.js';
import {
  CLASS_INSTANCE_TYPE_IDX,
  CLASS_NAME_IDX,
  DICT_FLAGS_IDX,
  DICT_MANAGED,
  INST_CLASS_IDX,
  INST_DICT_IDX,
  INST_HEADER_SIZE,
  INST_SLOTS_IDX,
} from './layout.js';
import type { PyRuntime } from './runtime.js';

/** What a class is made of (rt.cls.new's options). */
export interface ClassOpts {
  /**
   * `__slots__`: fixed attribute slots, in order. With slots, instances have no dict and are
   * not weakrefable unless the list names '__dict__' / '__weakref__'. Default: no slots
   * (instances have a dict and are weakrefable).
   */
  readonly slots?: readonly string[];
  /**
   * `__del__` as a PEP 442 finalizer: called once, with a temporary reference, when the
   * instance dies (by refcount or in a cycle). It may resurrect the instance by storing a
   * new reference to it. Exceptions go to the heap's unraisable hook. Default: none.
   */
  readonly finalize?: (rt: PyRuntime, self: Addr) => void;
  /**
   * A legacy tp_del (CPython's _testcapi.with_tp_del): runs on refcount death after the
   * weakref callbacks; instances in unreachable cycles are uncollectable. Default: none.
   */
  readonly legacyDel?: (rt: PyRuntime, self: Addr) => void;
}

/** rt.cls — class objects. */
export class ClassApi {
  constructor(private readonly core: Core) {}

  /**
   * NEW reference to a new class named `name`. Returns 0 when out of memory (the instance
   * type stays registered). E_TYPE_ERROR / E_VALUE_ERROR for a bad name or slots list.
   */
  new(name: string, opts: ClassOpts = {}): Addr {
    const core = this.core;
    if (typeof name !== 'string' || name.length === 0)
      fail('E_TYPE_ERROR', 'class name must be a non-empty string');
    const info = classInfo(name, opts);
    const typeId = core.heap.registerType(instanceSpec(core, info, opts));
    core.kind[typeId] = KIND_INSTANCE;
    core.classes[typeId] = info;
    const nameStr = core.rt.str.new(name);
    if (nameStr === 0) return 0;
    const cls = core.heap.alloc(core.tType);
    if (cls === 0) {
      core.heap.decref(nameStr);
      return 0;
    }
    const u32 = core.heap.u32;
    u32[(cls >>> 2) + CLASS_NAME_IDX] = nameStr;
    u32[(cls >>> 2) + CLASS_INSTANCE_TYPE_IDX] = typeId;
    core.heap.track(cls);
    return cls;
  }

  check(obj: Addr): boolean {
    return obj !== 0 && this.core.kindOf(obj) === KIND_TYPE;
  }

  /** cls.__name__. */
  name(cls: Addr): string {
    this.expect(cls, 'cls.name');
    return this.core.rt.str.value(this.core.heap.u32[(cls >>> 2) + CLASS_NAME_IDX]);
  }

  /** The refcount-core type id of the class's instances. */
  instanceTypeId(cls: Addr): number {
    this.expect(cls, 'cls.instanceTypeId');
    return this.core.heap.u32[(cls >>> 2) + CLASS_INSTANCE_TYPE_IDX];
  }

  /** The class's __slots__ names (without '__dict__' and '__weakref__'). */
  slots(cls: Addr): readonly string[] {
    return this.core.classes[this.instanceTypeId(cls)]!.slotNames;
  }

  private expect(cls: Addr, what: string): void {
    if (cls === 0 || this.core.kindOf(cls) !== KIND_TYPE) this.core.wrongType(what, 'type', cls);
  }
}

/** Validate the options and derive the per-class facts. */
function classInfo(name: string, opts: ClassOpts): ClassInfo {
  if (opts.finalize !== undefined && typeof opts.finalize !== 'function') {
    fail('E_TYPE_ERROR', 'finalize must be a function');
  }
  if (opts.legacyDel !== undefined && typeof opts.legacyDel !== 'function') {
    fail('E_TYPE_ERROR', 'legacyDel must be a function');
  }
  if (opts.slots === undefined) {
    return { name, slotNames: [], slotIndex: new Map(), hasDict: true, weakrefable: true };
  }
  if (!Array.isArray(opts.slots)) fail('E_TYPE_ERROR', '__slots__ must be an array of strings');
  const slotNames: string[] = [];
  const slotIndex = new Map<string, number>();
  let hasDict = false;
  let weakrefable = false;
  for (const s of opts.slots) {
    if (typeof s !== 'string' || s.length === 0)
      fail('E_TYPE_ERROR', '__slots__ items must be strings');
    if (s === '__dict__') {
      if (hasDict) fail('E_TYPE_ERROR', '__dict__ slot disallowed: we already got one');
      hasDict = true;
    } else if (s === '__weakref__') {
      if (weakrefable) fail('E_TYPE_ERROR', '__weakref__ slot disallowed: we already got one');
      weakrefable = true;
    } else {
      if (slotIndex.has(s))
        fail('E_VALUE_ERROR', `'${s}' in __slots__ conflicts with another slot`);
      slotIndex.set(s, slotNames.length);
      slotNames.push(s);
    }
  }
  return { name, slotNames, slotIndex, hasDict, weakrefable };
}

/** The TypeSpec of a class's instances (subtype_traverse / subtype_clear / subtype_dealloc). */
function instanceSpec(core: Core, info: ClassInfo, opts: ClassOpts): TypeSpec<ObjectHeap> {
  const nslots = info.slotNames.length;
  const fin = opts.finalize;
  const legacy = opts.legacyDel;
  return {
    name: info.name,
    basicSize: INST_HEADER_SIZE + 4 * nslots,
    gc: true,
    weakrefable: info.weakrefable,
    traverse: (_heap, obj, visitor) => instanceTraverse(core, obj, nslots, visitor),
    clear: (_heap, obj) => instanceClear(core, obj, nslots),
    finalize: fin === undefined ? undefined : (_heap, obj) => fin(core.rt, obj),
    legacyFinalize: legacy === undefined ? undefined : (_heap, obj) => legacy(core.rt, obj),
  };
}

/**
 * subtype_traverse: the slots, then the attribute dict, then the class. A dict the instance
 * still owns alone (DICT_MANAGED, CPython 3.11+'s inline values) is not a GC object of its
 * own: its values are visited as the instance's, so an instance in a cycle counts as one
 * collected object, as on 3.13.
 */
function instanceTraverse(core: Core, obj: Addr, nslots: number, visitor: Visitor): void {
  const u32 = core.heap.u32;
  const i = obj >>> 2;
  for (let k = 0; k < nslots; k++) {
    const v = u32[i + INST_SLOTS_IDX + k];
    if (v !== 0) visitor.visit(v);
  }
  const d = u32[i + INST_DICT_IDX];
  if (d !== 0) {
    if ((u32[(d >>> 2) + DICT_FLAGS_IDX] & DICT_MANAGED) !== 0) dictTraverse(core, d, visitor);
    else visitor.visit(d);
  }
  const cls = u32[i + INST_CLASS_IDX];
  if (cls !== 0) visitor.visit(cls);
}

/**
 * subtype_clear: drop the slots and the dict (each field zeroed before its decref). The class
 * reference stays — unless the instance is being deallocated, where this is tp_dealloc's
 * reference dropping and the class goes last, as subtype_dealloc's final Py_DECREF(type).
 */
function instanceClear(core: Core, obj: Addr, nslots: number): void {
  const heap = core.heap;
  const i = obj >>> 2;
  for (let k = 0; k < nslots; k++) {
    const v = heap.u32[i + INST_SLOTS_IDX + k];
    if (v !== 0) {
      heap.u32[i + INST_SLOTS_IDX + k] = 0;
      heap.decref(v);
    }
  }
  const d = heap.u32[i + INST_DICT_IDX];
  if (d !== 0) {
    heap.u32[i + INST_DICT_IDX] = 0;
    heap.decref(d);
  }
  if ((heap.u32[i + OB_TYPE_IDX] & OBF_DEALLOCATING) !== 0) {
    const cls = heap.u32[i + INST_CLASS_IDX];
    if (cls !== 0) {
      heap.u32[i + INST_CLASS_IDX] = 0;
      heap.decref(cls);
    }
  }
}
