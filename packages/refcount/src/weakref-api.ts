/**
 * The weak reference API of ObjectHeap (Objects/weakrefobject.c: weakref.ref, getweakrefcount,
 * and the clearing and callbacks the collector drives), a layer of the heap's class between
 * the deallocator and ObjectHeap. The lists themselves are in weakref-table.ts.
 */
import {
  OBF_HAS_WEAKREFS,
  OB_TYPE_IDX as OB_TYPE_IDX_,
  TPFLAGS_WEAKREF,
  TPFLAGS_WEAKREFABLE,
  TYPE_ID_MASK as TYPE_ID_MASK_,
  fail,
  type Addr,
} from '@pyheap/interface';
import { Deallocator } from './deallocation.js';
import { WR_OBJECT_IDX as WR_OBJECT_IDX_ } from './layout.js';
import type { WeakrefCallback } from './weakref-table.js';

// Module-local copies of the constants weakrefGet (a hot path of callers) reads.
const OB_TYPE_IDX = OB_TYPE_IDX_;
const TYPE_ID_MASK = TYPE_ID_MASK_;
const WR_OBJECT_IDX = WR_OBJECT_IDX_;

export abstract class WeakrefHeap extends Deallocator {
  /** The name of an object's type ("freed object" when it has none); ObjectHeap's. */
  abstract typeName(obj: Addr): string;

  /**
   * weakref.ref(referent[, callback]): NEW reference to a weakref object (tracked). Without a
   * callback the referent's shared weakref is returned when it has one. Returns 0 when out of
   * memory. E_TYPE_ERROR if the referent's type is not weakrefable.
   */
  newWeakref(referent: Addr, callback?: WeakrefCallback): Addr {
    const i = this.objectIndex(referent, 'newWeakref');
    const t = this.u32[i + OB_TYPE_IDX] & TYPE_ID_MASK;
    if ((this.typeFlags[t] & TPFLAGS_WEAKREFABLE) === 0) {
      fail('E_TYPE_ERROR', `cannot create weak reference to '${this.types.specs[t].name}' object`);
    }
    if (this.u32[i] === 0)
      fail('E_FREED_OBJECT', `newWeakref: ${this.describe(referent)} is being deallocated`);
    if (callback !== undefined && callback !== null && typeof callback !== 'function') {
      fail('E_TYPE_ERROR', 'weakref callback must be callable');
    }
    const cb = callback ?? undefined;
    if (cb === undefined) {
      const basic = this.weakrefs.basicRef(referent);
      if (basic !== 0) {
        this.incref(basic);
        return basic;
      }
    }
    const wr = this.alloc(this.weakrefType);
    if (wr === 0) return 0;
    if (cb === undefined) {
      // The allocation may have run a collection (the collector's containerAllocated hook)
      // whose finalizers made the shared weakref meanwhile: return that one, so that the list
      // keeps a single callback-less weakref — CPython's PyWeakref_NewRef looks again after
      // new_weakref ("Someone else added a ref without a callback during GC").
      const basic = this.weakrefs.basicRef(referent);
      if (basic !== 0) {
        this.incref(basic);
        this.decref(wr);
        return basic;
      }
    }
    this.weakrefs.add(referent, wr, cb);
    this.trackGc(wr);
    return wr;
  }

  /** Borrowed referent of a weakref, or 0 once it is cleared (or its referent is dying). */
  weakrefGet(weakref: Addr): Addr {
    const w = this.weakrefIndex(weakref, 'weakrefGet');
    const referent = this.u32[w + WR_OBJECT_IDX];
    if (referent === 0 || this.u32[referent >>> 2] === 0) return 0;
    return referent;
  }

  /** weakref.getweakrefcount: weakrefs currently pointing at `obj`. */
  weakrefCount(obj: Addr): number {
    const i = this.objectIndex(obj, 'weakrefCount');
    return (this.u32[i + OB_TYPE_IDX] & OBF_HAS_WEAKREFS) !== 0 ? this.weakrefs.count(obj) : 0;
  }

  /** For a weakref object: clear it; its referent becomes None and its callback never runs. */
  clearWeakref(weakref: Addr): void {
    this.weakrefIndex(weakref, 'clearWeakref');
    this.weakrefs.clear(weakref, true);
  }

  /** Clear every weakref to `obj`; append those with a callback to `out` (borrowed). */
  takeWeakrefs(obj: Addr, out: Addr[]): void {
    const i = this.objectIndex(obj, 'takeWeakrefs');
    if ((this.u32[i + OB_TYPE_IDX] & OBF_HAS_WEAKREFS) !== 0) this.weakrefs.take(obj, out);
  }

  /** Run a cleared weakref's callback once, with the weakref as argument (errors → unraisable). */
  callWeakrefCallback(weakref: Addr): void {
    this.weakrefIndex(weakref, 'callWeakrefCallback');
    this.weakrefs.callCallback(weakref);
  }

  private weakrefIndex(wr: Addr, what: string): number {
    const w = this.objectIndex(wr, what);
    if ((this.typeFlags[this.u32[w + OB_TYPE_IDX] & TYPE_ID_MASK] & TPFLAGS_WEAKREF) === 0) {
      fail('E_TYPE_ERROR', `${what}: expected a weakref, got '${this.typeName(wr)}' object`);
    }
    return w;
  }
}
