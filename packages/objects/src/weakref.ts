/**
 * weakref.ref (Objects/weakrefobject.c) over the refcount core's weak references: the core
 * owns the weakref type, the per-referent lists in CPython's order and the clearing on death
 * (callbacks newest first, spec b.6); this file gives them the object model's face: Python
 * semantics (`wr()` is None once dead) and callbacks that receive the runtime.
 */
import { TPFLAGS_WEAKREFABLE, fail, type Addr } from '@pyheap/interface';
import { KIND_WEAKREF, type Core } from './internal/core.js';
import type { PyRuntime } from './runtime.js';

/** A weakref callback: called once, with the runtime and the (already dead) weakref. */
export type WeakrefCallback = (rt: PyRuntime, weakref: Addr) => void;

/** rt.weakref */
export class WeakrefApi {
  constructor(private readonly core: Core) {}

  /**
   * weakref.ref(obj[, callback]): NEW reference to a weakref (tracked). Without a callback,
   * the object's existing callback-less weakref is shared, as CPython does. Returns 0 when
   * out of memory. E_TYPE_ERROR "cannot create weak reference to 'list' object" for types
   * that are not weakrefable (everything but class instances, classes and weakrefs' kin).
   */
  new(obj: Addr, callback?: WeakrefCallback): Addr {
    const core = this.core;
    core.checkObj(obj, 'weakref.new');
    if ((core.heap.typeFlags[core.typeOf(obj)] & TPFLAGS_WEAKREFABLE) === 0) {
      fail('E_TYPE_ERROR', `cannot create weak reference to '${core.nameOf(obj)}' object`);
    }
    if (callback === undefined || callback === null) return core.heap.newWeakref(obj);
    if (typeof callback !== 'function') fail('E_TYPE_ERROR', 'weakref callback must be callable');
    const rt = core.rt;
    return core.heap.newWeakref(obj, (wr) => callback(rt, wr));
  }

  /** wr(): the referent, BORROWED, or None once it is dead. */
  get(wr: Addr): Addr {
    this.expect(wr, 'weakref.get');
    const referent = this.core.heap.weakrefGet(wr);
    return referent === 0 ? this.core.None : referent;
  }

  /** True while the referent lives. */
  alive(wr: Addr): boolean {
    this.expect(wr, 'weakref.alive');
    return this.core.heap.weakrefGet(wr) !== 0;
  }

  /** weakref.getweakrefcount(obj). */
  count(obj: Addr): number {
    this.core.checkObj(obj, 'weakref.count');
    return this.core.heap.weakrefCount(obj);
  }

  check(obj: Addr): boolean {
    return obj !== 0 && this.core.kindOf(obj) === KIND_WEAKREF;
  }

  private expect(wr: Addr, what: string): void {
    if (wr === 0 || this.core.kindOf(wr) !== KIND_WEAKREF) this.core.wrongType(what, 'weakref', wr);
  }
}
