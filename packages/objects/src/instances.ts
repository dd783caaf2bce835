/**
 * Instances of classes (Objects/typeobject.c, Objects/object.c PyObject_GenericGetAttr /
 * SetAttr): creation, attribute access through __slots__ and the attribute dict.
 *
 * Attribute names are str keys. Setting an attribute interns its name (as PyObject_SetAttr
 * does), so the dict's keys are the interned, immortal strs and a lookup by the same text
 * finds them by identity. The dict is created on the first dict attribute and owned by the
 * instance alone (DICT_MANAGED: untracked, traversed as part of the instance) until `dict()`
 * hands it out, after which it is an ordinary dict with its own tracking.
 *
 * Reference rules: `getAttr`/`lookupAttr`/`classOf` return BORROWED references; `new` and
 * `dict` NEW ones; values passed to `setAttr` are borrowed. Out of memory: 0 / false.
 */
import { fail, type Addr } from '@pyheap/interface';
import { KIND_INSTANCE, KIND_STR, KIND_TYPE, type ClassInfo, type Core } from './internal/core.js';
import {
  CLASS_INSTANCE_TYPE_IDX,
  INST_CLASS_IDX,
  INST_DICT_IDX,
  INST_SLOTS_IDX,
} from './layout.js';

/** An attribute name: a JS string or a str object. */
export type AttrName = string | Addr;

/** rt.instance */
export class InstanceApi {
  constructor(private readonly core: Core) {}

  /** NEW reference to a new, tracked instance of `cls`; 0 when out of memory. */
  new(cls: Addr): Addr {
    const core = this.core;
    if (cls === 0 || core.kindOf(cls) !== KIND_TYPE) core.wrongType('instance.new', 'type', cls);
    const obj = core.heap.alloc(core.heap.u32[(cls >>> 2) + CLASS_INSTANCE_TYPE_IDX]);
    if (obj === 0) return 0;
    core.heap.u32[(obj >>> 2) + INST_CLASS_IDX] = cls;
    core.heap.incref(cls);
    core.heap.track(obj);
    return obj;
  }

  /** An instance of some class made with rt.cls.new. */
  check(obj: Addr): boolean {
    return obj !== 0 && this.core.kindOf(obj) === KIND_INSTANCE;
  }

  /** type(obj) for an instance: its class, BORROWED. */
  classOf(obj: Addr): Addr {
    this.info(obj, 'instance.classOf');
    return this.core.heap.u32[(obj >>> 2) + INST_CLASS_IDX];
  }

  /** isinstance(obj, cls) for instances (exact class; there is no inheritance). */
  isInstance(obj: Addr, cls: Addr): boolean {
    return this.check(obj) && this.core.heap.u32[(obj >>> 2) + INST_CLASS_IDX] === cls;
  }

  /** getattr(obj, name), BORROWED. E_ATTRIBUTE_ERROR when missing. */
  getAttr(obj: Addr, name: AttrName): Addr {
    const v = this.lookupAttr(obj, name);
    if (v === 0) this.missing(obj, name);
    return v;
  }

  /** getattr(obj, name, None) without the default: BORROWED value or 0. */
  lookupAttr(obj: Addr, name: AttrName): Addr {
    const core = this.core;
    const info = this.info(obj, 'getattr');
    const i = obj >>> 2;
    if (info.slotNames.length > 0) {
      const ix = info.slotIndex.get(this.text(name));
      if (ix !== undefined) return core.heap.u32[i + INST_SLOTS_IDX + ix];
    }
    const d = core.heap.u32[i + INST_DICT_IDX];
    if (d === 0) {
      this.text(name); // validate the name even when there is nothing to find
      return 0;
    }
    if (typeof name !== 'string') return core.rt.dict.lookup(d, this.strName(name));
    const key = core.interned.get(name);
    if (key !== undefined) return core.rt.dict.lookup(d, key);
    // Not interned: no setAttr used this name; a key put in through dict() still may match.
    const tmp = core.rt.str.new(name);
    if (tmp === 0) fail('E_OUT_OF_MEMORY', 'out of memory looking up an attribute');
    try {
      return core.rt.dict.lookup(d, tmp);
    } finally {
      core.heap.decref(tmp);
    }
  }

  hasAttr(obj: Addr, name: AttrName): boolean {
    return this.lookupAttr(obj, name) !== 0;
  }

  /**
   * setattr(obj, name, value) (value borrowed). False when out of memory (nothing changed).
   * E_ATTRIBUTE_ERROR for a name that is neither a slot nor storable (no __dict__).
   */
  setAttr(obj: Addr, name: AttrName, value: Addr): boolean {
    const core = this.core;
    const heap = core.heap;
    const info = this.info(obj, 'setattr');
    core.checkObj(value, 'setattr value');
    const i = obj >>> 2;
    if (info.slotNames.length > 0) {
      const ix = info.slotIndex.get(this.text(name));
      if (ix !== undefined) {
        const old = heap.u32[i + INST_SLOTS_IDX + ix];
        heap.incref(value);
        heap.u32[i + INST_SLOTS_IDX + ix] = value;
        if (old !== 0) heap.decref(old);
        return true;
      }
    }
    if (!info.hasDict) this.missing(obj, name);
    const key =
      typeof name === 'string'
        ? core.rt.str.intern(name)
        : core.rt.str.internObj(this.strName(name));
    if (key === 0) return false;
    let d = heap.u32[i + INST_DICT_IDX];
    if (d === 0) {
      d = core.rt.dict.newManaged();
      if (d === 0) return false;
      // The allocation may have run a collection and finalizers that gave obj a dict.
      const now = heap.u32[i + INST_DICT_IDX];
      if (now !== 0) {
        heap.decref(d);
        d = now;
      } else heap.u32[i + INST_DICT_IDX] = d;
    }
    return core.rt.dict.set(d, key, value);
  }

  /** delattr(obj, name). E_ATTRIBUTE_ERROR when missing. */
  delAttr(obj: Addr, name: AttrName): void {
    const core = this.core;
    const heap = core.heap;
    const info = this.info(obj, 'delattr');
    const i = obj >>> 2;
    if (info.slotNames.length > 0) {
      const ix = info.slotIndex.get(this.text(name));
      if (ix !== undefined) {
        const old = heap.u32[i + INST_SLOTS_IDX + ix];
        if (old === 0) this.missing(obj, name);
        heap.u32[i + INST_SLOTS_IDX + ix] = 0;
        heap.decref(old);
        return;
      }
    }
    const d = heap.u32[i + INST_DICT_IDX];
    if (d === 0 || this.lookupAttr(obj, name) === 0) this.missing(obj, name);
    const key = typeof name === 'string' ? (core.interned.get(name) ?? 0) : name;
    if (key !== 0) {
      core.rt.dict.delete(d, key);
      return;
    }
    const tmp = core.rt.str.new(name as string);
    if (tmp === 0) fail('E_OUT_OF_MEMORY', 'out of memory deleting an attribute');
    try {
      core.rt.dict.delete(d, tmp);
    } finally {
      heap.decref(tmp);
    }
  }

  /**
   * obj.__dict__: NEW reference to the attribute dict (created empty if there is none yet).
   * From now on it is an ordinary dict that others may share. Returns 0 when out of memory;
   * E_ATTRIBUTE_ERROR for slot-only instances.
   */
  dict(obj: Addr): Addr {
    const core = this.core;
    const heap = core.heap;
    const info = this.info(obj, 'instance.dict');
    if (!info.hasDict) this.missing(obj, '__dict__');
    const i = obj >>> 2;
    let d = heap.u32[i + INST_DICT_IDX];
    if (d === 0) {
      d = core.rt.dict.new();
      if (d === 0) return 0;
      const now = heap.u32[i + INST_DICT_IDX];
      if (now !== 0) {
        heap.decref(d);
        d = now;
      } else {
        heap.u32[i + INST_DICT_IDX] = d;
      }
    }
    core.rt.dict.materialize(d);
    heap.incref(d);
    return d;
  }

  private info(obj: Addr, what: string): ClassInfo {
    const core = this.core;
    const info = obj === 0 ? undefined : core.classes[core.typeOf(obj)];
    if (info === undefined) {
      return fail(
        'E_TYPE_ERROR',
        `${what}: expected an instance of a class, got '${core.nameOf(obj)}'`,
      );
    }
    return info;
  }

  /** The JS text of a name (str objects decoded). */
  private text(name: AttrName): string {
    if (typeof name === 'string') return name;
    return this.core.rt.str.value(this.strName(name));
  }

  private strName(name: Addr): Addr {
    const core = this.core;
    if (typeof name !== 'number' || name === 0 || core.kindOf(name) !== KIND_STR) {
      fail(
        'E_TYPE_ERROR',
        `attribute name must be string, not '${typeof name === 'number' ? core.nameOf(name) : typeof name}'`,
      );
    }
    return name;
  }

  private missing(obj: Addr, name: AttrName): never {
    fail(
      'E_ATTRIBUTE_ERROR',
      `'${this.core.nameOf(obj)}' object has no attribute '${this.text(name)}'`,
    );
  }
}
