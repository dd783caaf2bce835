/**
 * Deallocation at refcount zero: CPython's _Py_Dealloc and `subtype_dealloc`
 * (Objects/typeobject.c) driven by an explicit work stack instead of recursion — the trashcan
 * of spec b.7 taken to its conclusion (docs/decisions/0009-refcount-deallocation-work-stack.md).
 *
 * Deallocation of one object has two phases:
 *  1. start: untrack; PEP 442 finalizer (resurrection possible); clear weak references and run
 *     their callbacks; legacy tp_del (resurrection possible); silently clear weakrefs the
 *     finalizers made; the type's `dealloc` extra. Types with none of these (and objects
 *     without weakrefs) skip it with one test, inside the loop.
 *  2. drop (`drain`): set each reference slot to 0 and decref its target, one at a time; a
 *     target that reaches 0 is started at once and its own references are dropped before the
 *     parent's next slot — the depth-first order of CPython's recursive tp_dealloc — but the
 *     parent waits as an (object, next-slot) frame on the work stack instead of a C frame.
 *     When the last slot is taken the parent is freed before its child is visited, so a chain
 *     needs no stack at all.
 *
 * Deaths inside user code (finalizers, weakref callbacks, custom clear) run a nested drain, as
 * CPython's nested Py_DECREF does, up to TRASHCAN_LIMIT levels; deeper deaths wait on a
 * delete-later stack that is destroyed once the outermost deallocation has unwound, as 3.12's
 * trashcan does (_PyTrash_thread_deposit_object / _PyTrash_thread_destroy_chain). Either way
 * everything that became unreachable is freed before the outermost decref returns.
 */
import {
  IMMORTAL_REFCNT as IMMORTAL_REFCNT_,
  OBF_DEALLOCATING as OBF_DEALLOCATING_,
  OBF_FINALIZED,
  OBF_HAS_WEAKREFS as OBF_HAS_WEAKREFS_,
  OB_REFCNT_IDX as OB_REFCNT_IDX_,
  OB_SIZE_IDX as OB_SIZE_IDX_,
  OB_TYPE_IDX as OB_TYPE_IDX_,
  TPFLAGS_HAS_FINALIZE,
  TPFLAGS_HAS_LEGACY_DEL,
  TPFLAGS_HAVE_GC as TPFLAGS_HAVE_GC_,
  TPFLAGS_VAR_SIZE,
  TPFLAGS_WEAKREF as TPFLAGS_WEAKREF_,
  TYPE_ID_MASK as TYPE_ID_MASK_,
  PyheapError,
  type Addr,
} from '@pyheap/interface';
import { HeapCore } from './heap-core.js';
import {
  FRAME_DEFERRED as FRAME_DEFERRED_,
  FRAME_DEFERRED_TRACKED as FRAME_DEFERRED_TRACKED_,
  K_CUSTOM_CLEAR as K_CUSTOM_CLEAR_,
  K_DEALLOC,
  K_ITEM_BLOCK as K_ITEM_BLOCK_,
  K_ITEM_REFS as K_ITEM_REFS_,
  K_SLOW_START as K_SLOW_START_,
  TRASHCAN_LIMIT as TRASHCAN_LIMIT_,
} from './layout.js';
import type { ObjectHeap } from './object-heap.js';

// Module-local copies of the constants the hot paths read: under a module runner (vitest's)
// an imported binding is a getter call, a module const is a constant.
const IMMORTAL_REFCNT = IMMORTAL_REFCNT_;
const OB_TYPE_IDX = OB_TYPE_IDX_;
const TYPE_ID_MASK = TYPE_ID_MASK_;
const TPFLAGS_HAVE_GC = TPFLAGS_HAVE_GC_;
const OB_SIZE_IDX = OB_SIZE_IDX_;
const OB_REFCNT_IDX = OB_REFCNT_IDX_;
const OBF_DEALLOCATING = OBF_DEALLOCATING_;
const OBF_HAS_WEAKREFS = OBF_HAS_WEAKREFS_;
const K_SLOW_START = K_SLOW_START_;
const K_CUSTOM_CLEAR = K_CUSTOM_CLEAR_;
const K_ITEM_REFS = K_ITEM_REFS_;
const FRAME_DEFERRED = FRAME_DEFERRED_;
const FRAME_DEFERRED_TRACKED = FRAME_DEFERRED_TRACKED_;
const TRASHCAN_LIMIT = TRASHCAN_LIMIT_;
const TPFLAGS_WEAKREF = TPFLAGS_WEAKREF_;
/**
 * Kinds whose death is more than dropping fixed slots: user code at the start or a custom clear
 * (K_SLOW_START covers custom clear and item blocks too; they are named for the reader), or
 * reference items.
 */
const K_NOT_SIMPLE = K_SLOW_START_ | K_CUSTOM_CLEAR_ | K_ITEM_REFS_ | K_ITEM_BLOCK_;

export abstract class Deallocator extends HeapCore {
  /**
   * The trashcan's delete-later stack: (object, FRAME_DEFERRED or FRAME_DEFERRED_TRACKED)
   * pairs of objects whose death came past TRASHCAN_LIMIT nested levels: refcount 0,
   * untracked, not started. Destroyed, last first, when the nesting is back to 0.
   */
  private readonly deferred: number[] = [];
  /** Work stack: (object, cursor) pairs; cursor FRAME_DEFERRED = not started yet. */
  private readonly frames: number[] = [];
  /** Active drains (nested deallocations), bounded by TRASHCAN_LIMIT. */
  protected nesting = 0;
  /**
   * frames[0 .. swept) hold no tracked object. Objects waiting in frames have refcount 0 and
   * must not be tracked when a collection can run — that is, when user code or a collector
   * hook runs — so `untrackWaiting` is called before each; deallocations that run none (a
   * binary tree without finalizers) never pay an untrack call per waiting parent.
   */
  private swept = 0;

  /** `obj`'s refcount just reached 0 (_Py_Dealloc). */
  protected objectDied(obj: Addr): void {
    if (this.nesting >= TRASHCAN_LIMIT) {
      // Trashcan: onto the delete-later stack, untracked (_PyTrash_thread_deposit_object);
      // destroyDeferred takes it once the outermost deallocation has unwound.
      const t = this.u32[(obj >>> 2) + OB_TYPE_IDX] & TYPE_ID_MASK;
      // weakref_dealloc unlinks a weakref before anything else: one waiting here must not stay
      // in its referent's list (a second shared weakref could be made meanwhile, and a dying
      // one must get no callback).
      if ((this.typeFlags[t] & TPFLAGS_WEAKREF) !== 0) this.weakrefs.clear(obj, true);
      const tracked = (this.typeFlags[t] & TPFLAGS_HAVE_GC) !== 0 && this.untrackGc(obj);
      this.deferred.push(obj, tracked ? FRAME_DEFERRED_TRACKED : FRAME_DEFERRED);
      this.nDeferred++;
      return;
    }
    this.deallocate(obj);
    if (this.nesting === 0 && this.deferred.length !== 0) this.destroyDeferred();
  }

  /** One deallocation, one nesting level deeper (Py_TRASHCAN_BEGIN … END around its body). */
  private deallocate(obj: Addr): void {
    this.nesting++;
    try {
      if (!this.freeSimple(obj)) this.drain(obj);
    } finally {
      this.nesting--;
    }
  }

  /**
   * _PyTrash_thread_destroy_chain: the outermost deallocation has unwound; destroy what the
   * trashcan deferred, last deferred first, with the nesting held at 1 (each deallocation then
   * runs at 2, as its own trashcan entry counts one more level), so that this loop never
   * recurses: deaths deep inside these deallocations are deferred again and taken by this loop.
   */
  private destroyDeferred(): void {
    const deferred = this.deferred;
    this.nesting++;
    try {
      while (deferred.length !== 0) {
        const kind = deferred.pop()!;
        const obj = deferred.pop()!;
        // Tracked again for its start, so that a resurrecting finalizer leaves it tracked.
        if (kind === FRAME_DEFERRED_TRACKED) this.trackGc(obj);
        this.deallocate(obj);
      }
    } finally {
      this.nesting--;
    }
  }

  /**
   * The commonest death (subtype_dealloc of an instance with only __slots__: clear_slots, then
   * PyObject_GC_Del), without drain's loop and work stack: an object whose type only has
   * fixed reference slots and nothing to run (no finalizer, dealloc extra, custom clear, items),
   * with no weak references, and none of whose children dies with it. Then drain would set
   * OBF_DEALLOCATING, zero each slot and decrement its child (immortal ones left alone), and
   * free the object — which is what this does, in that order. Without a decrefToNonZero hook
   * only: drain would call it for each child. Called, like drain, inside objectDied's nesting
   * (the collector's deallocating hook sees a deallocation running). Returns false, having
   * written nothing, for any other object.
   */
  private freeSimple(obj: Addr): boolean {
    const u32 = this.u32;
    const i = obj >>> 2;
    const word = u32[i + OB_TYPE_IDX];
    const t = word & TYPE_ID_MASK;
    if ((this.tKind[t] & K_NOT_SIMPLE) !== 0 || (word & OBF_HAS_WEAKREFS) !== 0) return false;
    if (this.hookNonZero) return false;
    const n = this.tRefCnt[t];
    const base = (obj + this.tRefOff[t]) >>> 2;
    // No child may reach 0: each must have more references than this object's slots hold to
    // it. A count above n settles it; otherwise count the slots (from its first one on). This
    // also rejects a child with count 0 or one that is `obj` itself, whose errors drain reports.
    for (let k = 0; k < n; k++) {
      const child = u32[base + k];
      if (child === 0) continue;
      const rc = u32[child >>> 2];
      if (rc > n) continue;
      let refs = 1;
      for (let j = k + 1; j < n; j++) if (u32[base + j] === child) refs++;
      if (!(rc > refs)) return false;
    }
    u32[i + OB_TYPE_IDX] = word | OBF_DEALLOCATING;
    for (let k = 0; k < n; k++) {
      const child = u32[base + k];
      if (child === 0) continue;
      u32[base + k] = 0;
      const ci = child >>> 2;
      const rc = u32[ci];
      if (rc < IMMORTAL_REFCNT) u32[ci] = rc - 1;
    }
    this.freeObject(obj, (this.typeFlags[t] & TPFLAGS_HAVE_GC) !== 0);
    return true;
  }

  private pushFrame(obj: Addr, cursor: number): void {
    const frames = this.frames;
    frames.push(obj, cursor);
    if (frames.length > this.peakFrames) this.peakFrames = frames.length;
  }

  /** Untrack every object waiting in a frame pushed since the last call (see `swept`). */
  private untrackWaiting(): void {
    const frames = this.frames;
    for (let k = this.swept; k < frames.length; k += 2) {
      const obj = frames[k];
      const t = this.u32[(obj >>> 2) + OB_TYPE_IDX] & TYPE_ID_MASK;
      if ((this.typeFlags[t] & TPFLAGS_HAVE_GC) !== 0) this.untrackGc(obj);
    }
    this.swept = frames.length;
  }

  /** Objects waiting in the work stack or the trashcan (0 whenever no deallocation runs). */
  protected workStackDepth(): number {
    return (this.frames.length + this.deferred.length) >>> 1;
  }

  /** Deallocate `first` and everything that dies with it; see the file header. */
  private drain(first: Addr): void {
    const frames = this.frames;
    const base = frames.length;
    let obj = first;
    let cursor = FRAME_DEFERRED;
    let u32 = this.u32;
    let flagsOf = this.typeFlags;
    let kindOf = this.tKind;
    // Read once: a collector's hooks never change (HeapCore's constructor).
    const hookNonZero = this.hookNonZero;
    for (;;) {
      if (obj === 0) {
        if (frames.length === base) return;
        cursor = frames.pop()!;
        obj = frames.pop()!;
        if (this.swept > frames.length) this.swept = frames.length;
      }
      const i = obj >>> 2;
      const word = u32[i + OB_TYPE_IDX];
      const t = word & TYPE_ID_MASK;
      if (cursor < 0) {
        // Phase 1, inlined for types with nothing to run (startDeallocSlow for the others).
        u32[i + OB_TYPE_IDX] = word | OBF_DEALLOCATING;
        if ((kindOf[t] & K_SLOW_START) !== 0 || (word & OBF_HAS_WEAKREFS) !== 0) {
          this.untrackWaiting();
          const go = this.startDeallocSlow(obj, t);
          // User code ran: views and tables may have been replaced.
          u32 = this.u32;
          flagsOf = this.typeFlags;
          kindOf = this.tKind;
          if (!go) {
            obj = 0;
            continue;
          }
        }
        cursor = 0;
      }
      const kind = kindOf[t];
      if ((kind & K_CUSTOM_CLEAR) !== 0) {
        // tp_clear drops everything at once; its deaths run nested drains (list_dealloc).
        this.untrackWaiting();
        this.callUser(this.types.specs[t].clear!, obj, 'tp_clear');
        this.freeObject(obj, (flagsOf[t] & TPFLAGS_HAVE_GC) !== 0);
        u32 = this.u32;
        flagsOf = this.typeFlags;
        kindOf = this.tKind;
        obj = 0;
        continue;
      }
      // Phase 2: fixed slots first to last (clear_slots), then items last to first
      // (tupledealloc). Each slot is zeroed before its target is released (Py_CLEAR).
      const nFixed = this.tRefCnt[t];
      const nItems = (kind & K_ITEM_REFS) !== 0 ? u32[i + OB_SIZE_IDX] : 0;
      const n = nFixed + nItems;
      const fixedBase = (obj + this.tRefOff[t]) >>> 2;
      const itemMirror = ((obj + this.tBasic[t]) >>> 2) + nItems - 1 + nFixed;
      let next = 0;
      while (cursor < n) {
        const slot = cursor < nFixed ? fixedBase + cursor : itemMirror - cursor;
        cursor++;
        const child = u32[slot];
        if (child === 0) continue;
        u32[slot] = 0;
        const ci = child >>> 2;
        const rc = u32[ci];
        if (rc > 1) {
          if (rc < IMMORTAL_REFCNT) {
            u32[ci] = rc - 1;
            if (
              hookNonZero &&
              (flagsOf[u32[ci + OB_TYPE_IDX] & TYPE_ID_MASK] & TPFLAGS_HAVE_GC) !== 0
            ) {
              this.untrackWaiting();
              this.collector!.decrefToNonZero(child);
              u32 = this.u32;
            }
          }
          continue;
        }
        if (rc === 0 || (u32[ci + OB_TYPE_IDX] & OBF_DEALLOCATING) !== 0) {
          this.reportUnraisable(
            new PyheapError(
              'E_REFCOUNT_UNDERFLOW',
              `${this.describe(child)} in a slot of ${this.describe(obj)} has refcount 0`,
            ),
            'Exception ignored in deallocation',
          );
          continue;
        }
        u32[ci] = 0;
        next = child;
        break;
      }
      if (cursor < n) {
        // The parent waits for its child's subtree (untracked before any user code runs).
        this.pushFrame(obj, cursor);
      } else {
        // Last slot taken (or none): free the parent before visiting the child, so that a
        // chain never waits on the stack.
        this.freeObject(obj, (flagsOf[t] & TPFLAGS_HAVE_GC) !== 0);
        u32 = this.u32;
      }
      obj = next;
      cursor = FRAME_DEFERRED;
    }
  }

  /**
   * The end of list_dealloc / dict_dealloc / tupledealloc / float_dealloc when their free list
   * has room (spec b.9): the object stays allocated for reuse, untracked (no deallocating hook:
   * the collector's count does not drop, as PyObject_GC_Del is not called), its header marked
   * freed. Returns false, touching nothing, when the list is full or the size is not kept.
   */
  private keepOnFreeList(obj: Addr, t: number, gc: boolean): boolean {
    const u32 = this.u32;
    const i = obj >>> 2;
    let nitems = 0;
    if ((this.typeFlags[t] & TPFLAGS_VAR_SIZE) !== 0) {
      nitems = u32[i + OB_SIZE_IDX];
      if (nitems < 1 || nitems > this.tFreeItems[t]) return false;
    }
    if (!this.freeLists.offer(t, nitems, this.tFreeCap[t], obj)) return false;
    if (gc) {
      this.untrackGc(obj);
      this.nLiveGc--;
    }
    u32[i + OB_REFCNT_IDX] = 0;
    u32[i + OB_TYPE_IDX] = 0;
    this.nDeallocated++;
    if (this.live !== null) {
      this.live.delete(obj);
      this.freed!.add(obj);
    }
    return true;
  }

  /**
   * Empty every free list (CPython's _PyGC_ClearAllFreeLists, run by full collections): each
   * kept object is released as PyObject_GC_Del would (the collector's deallocating hook, so its
   * count drops, then the block). Returns how many were released.
   */
  protected releaseFreeLists(): number {
    return this.freeLists.drain((t, obj) => {
      if ((this.typeFlags[t] & TPFLAGS_HAVE_GC) !== 0) {
        if (this.hookDealloc) this.collector!.deallocating(obj);
        this.allocator.free(obj - this.prefixBytes);
      } else {
        this.allocator.free(obj);
      }
    });
  }

  /**
   * Phase 1 of subtype_dealloc (spec b.4) for objects with something to run. Returns false
   * when a finalizer resurrected the object (its count then is what the finalizer left, minus
   * the temporary reference).
   */
  private startDeallocSlow(obj: Addr, t: number): boolean {
    const i = obj >>> 2;
    const flags = this.typeFlags[t];
    const spec = this.types.specs[t];
    const gc = (flags & TPFLAGS_HAVE_GC) !== 0;
    const wasTracked = gc && this.untrackGc(obj);
    let ranFinalizer = false;
    if (
      (flags & TPFLAGS_HAS_FINALIZE) !== 0 &&
      !(gc && (this.u32[i + OB_TYPE_IDX] & OBF_FINALIZED) !== 0)
    ) {
      // PyObject_CallFinalizerFromDealloc: tracked and with a temporary reference while it runs.
      ranFinalizer = true;
      this.nFinalized++;
      if (!this.runFinalizer(obj, spec.finalize!, 'finalizer', wasTracked, gc)) return false;
    }
    if ((this.u32[i + OB_TYPE_IDX] & OBF_HAS_WEAKREFS) !== 0) this.weakrefs.clearOnDeath(obj);
    if ((flags & TPFLAGS_HAS_LEGACY_DEL) !== 0) {
      ranFinalizer = true;
      this.nLegacy++;
      if (!this.runFinalizer(obj, spec.legacyFinalize!, 'legacy finalizer', wasTracked, false))
        return false;
    }
    if (ranFinalizer && (this.u32[i + OB_TYPE_IDX] & OBF_HAS_WEAKREFS) !== 0) {
      this.weakrefs.clearNoCallbacks(obj);
    }
    if ((this.tKind[t] & K_DEALLOC) !== 0) this.callUser(spec.dealloc!, obj, 'dealloc');
    return true;
  }

  /**
   * Call a finalizer with refcount 1 (re-tracked if the object was tracked). Returns false when
   * the object came back to life; then it keeps the references the finalizer made.
   */
  private runFinalizer(
    obj: Addr,
    fn: (space: ObjectHeap, obj: Addr) => void,
    what: string,
    wasTracked: boolean,
    setFinalized: boolean,
  ): boolean {
    const i = obj >>> 2;
    if (wasTracked) this.trackGc(obj);
    this.u32[i + OB_REFCNT_IDX] = 1;
    this.callUser(fn, obj, what);
    const u32 = this.u32;
    if (setFinalized) u32[i + OB_TYPE_IDX] |= OBF_FINALIZED;
    const rc = u32[i + OB_REFCNT_IDX];
    if (rc !== 1) {
      // Resurrected: drop the temporary reference (an immortalised object keeps its count).
      if (rc < IMMORTAL_REFCNT) u32[i + OB_REFCNT_IDX] = rc - 1;
      u32[i + OB_TYPE_IDX] &= ~OBF_DEALLOCATING;
      this.nResurrected++;
      return false;
    }
    u32[i + OB_REFCNT_IDX] = 0;
    if (wasTracked) this.untrackGc(obj);
    return true;
  }

  /** PyObject_GC_Del / PyObject_Free: the collector's deallocating hook, then the block. */
  private freeObject(obj: Addr, gc: boolean): void {
    const t = this.u32[(obj >>> 2) + OB_TYPE_IDX] & TYPE_ID_MASK;
    if (this.tFreeCap[t] !== 0 && this.keepOnFreeList(obj, t, gc)) return;
    let block = obj;
    if (gc) {
      block -= this.prefixBytes;
      if (this.hookDealloc) this.collector!.deallocating(obj);
      else if (this.collector !== null) this.collector.untrack(obj);
      this.nLiveGc--;
    }
    // Freed marker: type id 0 is never registered.
    const u32 = this.u32;
    const i = obj >>> 2;
    u32[i + OB_REFCNT_IDX] = 0;
    u32[i + OB_TYPE_IDX] = 0;
    this.allocator.free(block);
    this.nDeallocated++;
    if (this.live !== null) {
      this.live.delete(obj);
      this.freed!.add(obj);
    }
  }
}
