/**
 * Weak reference lists (Objects/weakrefobject.c): which weakref objects point at which
 * referent, kept in side tables keyed by address so that objects without weak references pay
 * one header bit (OBF_HAS_WEAKREFS) and no field.
 *
 * Per referent, the list is in CPython's order (`insert_head` / `insert_after` in
 * weakrefobject.c): the shared callback-less weakref first, then the weakrefs with callbacks,
 * newest first. On refcount death (`PyObject_ClearWeakRefs`) every weakref is cleared before
 * any callback runs, and callbacks run in list order — newest first (spec b.6).
 */
import { OBF_HAS_WEAKREFS, OB_TYPE_IDX, fail, hexAddr, type Addr } from '@pyheap/interface';
import { WRF_CALLBACK, WR_FLAGS_IDX, WR_OBJECT_IDX } from './layout.js';

/** A weakref callback: called once with the (already cleared) weakref object. */
export type WeakrefCallback = (weakref: Addr) => void;

/** What the table needs from the heap (implemented by ObjectHeap). */
export interface WeakrefHost {
  /** Current u32 view of the memory (refreshed when the memory's views are replaced). */
  readonly u32: Uint32Array;
  readonly weakrefType: number;
  incref(obj: Addr): void;
  decref(obj: Addr): void;
  reportUnraisable(error: unknown, context: string): void;
  describe(obj: Addr): string;
}

export class WeakrefTable {
  /** referent → its weakrefs: the callback-less one first, then callback ones newest first. */
  readonly lists = new Map<Addr, Addr[]>();
  /** weakref → callback, until it runs or the weakref is cleared without it or dies. */
  readonly callbacks = new Map<Addr, WeakrefCallback>();
  /** Callbacks run so far (refcount path and collector path). */
  callbacksCalled = 0;

  constructor(private readonly host: WeakrefHost) {}

  /** The shared callback-less weakref of `referent` if it is alive, else 0 (get_basic_refs). */
  basicRef(referent: Addr): Addr {
    const list = this.lists.get(referent);
    if (list === undefined) return 0;
    const first = list[0];
    const u32 = this.host.u32;
    if ((u32[(first >>> 2) + WR_FLAGS_IDX] & WRF_CALLBACK) !== 0) return 0;
    return u32[first >>> 2] > 0 ? first : 0;
  }

  /** Link a new weakref object `wr` to `referent` (its fields are set here). */
  add(referent: Addr, wr: Addr, callback: WeakrefCallback | undefined): void {
    const u32 = this.host.u32;
    const w = wr >>> 2;
    u32[w + WR_OBJECT_IDX] = referent;
    u32[w + WR_FLAGS_IDX] = callback ? WRF_CALLBACK : 0;
    let list = this.lists.get(referent);
    if (list === undefined) {
      list = [];
      this.lists.set(referent, list);
      u32[(referent >>> 2) + OB_TYPE_IDX] |= OBF_HAS_WEAKREFS;
    }
    if (callback) {
      this.callbacks.set(wr, callback);
      // After the callback-less ref (if any), before older callback refs: newest first.
      const hasBasic =
        list.length > 0 && (u32[(list[0] >>> 2) + WR_FLAGS_IDX] & WRF_CALLBACK) === 0;
      list.splice(hasBasic ? 1 : 0, 0, wr);
    } else {
      list.unshift(wr);
    }
  }

  /** Number of weakrefs pointing at `referent` (_PyWeakref_GetWeakrefCount). */
  count(referent: Addr): number {
    return this.lists.get(referent)?.length ?? 0;
  }

  /**
   * Unlink `wr` from its referent and make it dead (clear_weakref); `dropCallback` also forgets
   * its callback, which then never runs.
   */
  clear(wr: Addr, dropCallback: boolean): void {
    const u32 = this.host.u32;
    const w = wr >>> 2;
    const referent = u32[w + WR_OBJECT_IDX];
    if (dropCallback) this.callbacks.delete(wr);
    if (referent === 0) return;
    u32[w + WR_OBJECT_IDX] = 0;
    const list = this.lists.get(referent);
    if (list === undefined) return;
    const at = list.indexOf(wr);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) {
      this.lists.delete(referent);
      u32[(referent >>> 2) + OB_TYPE_IDX] &= ~OBF_HAS_WEAKREFS;
    }
  }

  /** Detach the whole list of `referent`, clearing every weakref in it; returns the list. */
  private detach(referent: Addr): Addr[] {
    const u32 = this.host.u32;
    const list = this.lists.get(referent);
    u32[(referent >>> 2) + OB_TYPE_IDX] &= ~OBF_HAS_WEAKREFS;
    if (list === undefined) return [];
    this.lists.delete(referent);
    for (let k = 0; k < list.length; k++) u32[(list[k] >>> 2) + WR_OBJECT_IDX] = 0;
    return list;
  }

  /**
   * PyObject_ClearWeakRefs on refcount death: clear every weakref first, then call the
   * callbacks of those still alive, in list order (newest first). Each weakref is held by a
   * temporary reference while its callback runs; exceptions go to the unraisable hook and the
   * other callbacks still run.
   */
  clearOnDeath(referent: Addr): void {
    const host = this.host;
    const list = this.detach(referent);
    const pending: Addr[] = [];
    const fns: WeakrefCallback[] = [];
    for (let k = 0; k < list.length; k++) {
      const wr = list[k];
      const cb = this.callbacks.get(wr);
      if (cb === undefined) continue;
      this.callbacks.delete(wr);
      // A weakref that is itself dying (refcount 0, waiting in the work stack) gets no call.
      if (host.u32[wr >>> 2] === 0) continue;
      host.incref(wr);
      pending.push(wr);
      fns.push(cb);
    }
    for (let k = 0; k < pending.length; k++) this.invoke(pending[k], fns[k]);
    for (let k = 0; k < pending.length; k++) host.decref(pending[k]);
  }

  /** Clear every weakref of `referent` without calling anything (weakrefs made by finalizers). */
  clearNoCallbacks(referent: Addr): void {
    const list = this.detach(referent);
    for (let k = 0; k < list.length; k++) this.callbacks.delete(list[k]);
  }

  /** ObjectSpace.takeWeakrefs: clear all, collect those with a callback (kept for later). */
  take(referent: Addr, out: Addr[]): void {
    const list = this.detach(referent);
    const u32 = this.host.u32;
    for (let k = 0; k < list.length; k++) {
      // A weakref already dying (refcount 0, deferred by the trashcan) cannot be handed out.
      if (this.callbacks.has(list[k]) && u32[list[k] >>> 2] !== 0) out.push(list[k]);
    }
  }

  /** ObjectSpace.callWeakrefCallback: run and forget the callback of a cleared weakref. */
  callCallback(wr: Addr): void {
    const cb = this.callbacks.get(wr);
    if (cb === undefined) return;
    if (this.host.u32[(wr >>> 2) + WR_OBJECT_IDX] !== 0) {
      fail('E_VALUE_ERROR', `weakref ${hexAddr(wr)} must be cleared before its callback runs`);
    }
    this.callbacks.delete(wr);
    this.invoke(wr, cb);
  }

  private invoke(wr: Addr, cb: WeakrefCallback): void {
    this.callbacksCalled++;
    try {
      cb(wr);
    } catch (e) {
      this.host.reportUnraisable(
        e,
        `Exception ignored while calling weakref callback of ${this.host.describe(wr)}`,
      );
    }
  }
}
