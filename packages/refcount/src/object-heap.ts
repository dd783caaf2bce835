/**
 * ObjectHeap — reference-counted objects in a pyheap heap, with CPython's semantics
 * (Include/object.h, Objects/object.c, Objects/weakrefobject.c): the public API of the
 * refcount core and the ObjectSpace a cycle collector works on. The refcount and dealloc
 * machinery is in heap-core.ts and deallocation.ts; weak reference lists in weakref-table.ts.
 */
import {
  IMMORTAL_REFCNT as IMMORTAL_REFCNT_,
  OBF_FINALIZED,
  OBF_HAS_WEAKREFS as OBF_HAS_WEAKREFS_,
  OBF_RC_TRACKED,
  OB_SIZE_IDX as OB_SIZE_IDX_,
  OB_SIZE_OFF as OB_SIZE_OFF_,
  OB_TYPE_IDX as OB_TYPE_IDX_,
  OBJECT_HEADER_SIZE as OBJECT_HEADER_SIZE_,
  TPFLAGS_HAVE_GC as TPFLAGS_HAVE_GC_,
  TPFLAGS_VAR_SIZE as TPFLAGS_VAR_SIZE_,
  TPFLAGS_WEAKREF,
  TPFLAGS_WEAKREFABLE,
  TYPE_ID_MASK as TYPE_ID_MASK_,
  VAR_OBJECT_HEADER_SIZE,
  fail,
  hexAddr,
  type Addr,
  type ObjectSpace,
  type RefLayout,
  type TypeSpec,
  type Visitor,
} from '@pyheap/interface';
import { checkObjectHeap } from './heap-check.js';
import { Deallocator } from './deallocation.js';
import {
  K_CUSTOM_CLEAR as K_CUSTOM_CLEAR_,
  K_CUSTOM_TRAVERSE as K_CUSTOM_TRAVERSE_,
  K_ITEM_REFS as K_ITEM_REFS_,
  WR_OBJECT_IDX,
} from './layout.js';
import type { ObjectHeapOpts, ObjectHeapStats } from './opts.js';
import type { WeakrefCallback } from './weakref-table.js';

// Module-local copies of the constants the hot paths read: under a module runner (vitest's)
// an imported binding is a getter call, a module const is a constant.
const IMMORTAL_REFCNT = IMMORTAL_REFCNT_;
const OB_TYPE_IDX = OB_TYPE_IDX_;
const TYPE_ID_MASK = TYPE_ID_MASK_;
const TPFLAGS_HAVE_GC = TPFLAGS_HAVE_GC_;
const OB_SIZE_IDX = OB_SIZE_IDX_;
const OBF_HAS_WEAKREFS = OBF_HAS_WEAKREFS_;
const TPFLAGS_VAR_SIZE = TPFLAGS_VAR_SIZE_;
const OBJECT_HEADER_SIZE = OBJECT_HEADER_SIZE_;
const OB_SIZE_OFF = OB_SIZE_OFF_;
const K_CUSTOM_CLEAR = K_CUSTOM_CLEAR_;
const K_CUSTOM_TRAVERSE = K_CUSTOM_TRAVERSE_;
const K_ITEM_REFS = K_ITEM_REFS_;

const ADDR_MASK = 0xfffffff8;

export class ObjectHeap extends Deallocator implements ObjectSpace {
  private readonly freeListClearers: (() => void)[];

  constructor(opts: ObjectHeapOpts) {
    super(opts);
    this.freeListClearers = [];
    this.collector?.attach(this);
  }

  // ── types ────────────────────────────────────────────────────────────────────────

  /** Register a type; returns its id (1..65535). E_BAD_TYPE on a malformed spec. */
  registerType(spec: TypeSpec<ObjectHeap>): number {
    const id = this.types.register(spec);
    this.syncTypes();
    return id;
  }

  /** Type id of an object (from its header). */
  typeId(obj: Addr): number {
    return this.u32[this.objectIndex(obj, 'typeId') + OB_TYPE_IDX] & TYPE_ID_MASK;
  }

  /** The spec of a registered type; E_BAD_TYPE otherwise. */
  typeSpec(typeId: number): TypeSpec<ObjectHeap> {
    return this.types.spec(typeId);
  }

  /** Number of registered types (ids 1..typeCount). */
  get typeCount(): number {
    return this.types.count - 1;
  }

  /** Bytes of the object (basicSize + items), without the collector prefix. */
  objectSize(obj: Addr): number {
    const i = this.objectIndex(obj, 'objectSize');
    return this.sizeAt(i);
  }

  private sizeAt(i: number): number {
    const t = this.u32[i + OB_TYPE_IDX] & TYPE_ID_MASK;
    let size = this.tBasic[t];
    if ((this.typeFlags[t] & TPFLAGS_VAR_SIZE) !== 0) {
      size += this.u32[i + OB_SIZE_IDX] * this.tItem[t];
    }
    return size;
  }

  // ── references ───────────────────────────────────────────────────────────────────

  /** Py_XINCREF: incref unless `obj` is 0. */
  xincref(obj: Addr): void {
    if (obj !== 0) this.incref(obj);
  }

  /** Py_XDECREF: decref unless `obj` is 0. */
  xdecref(obj: Addr): void {
    if (obj !== 0) this.decref(obj);
  }

  /** Py_REFCNT: the count (sys.getrefcount(x) − 1); IMMORTAL_REFCNT for immortal objects. */
  refcnt(obj: Addr): number {
    return this.u32[this.objectIndex(obj, 'refcnt')];
  }

  /** Borrowed reference in the u32 slot at byte `offset` of `obj` (0 = NULL). */
  getSlot(obj: Addr, offset: number): Addr {
    const u32 = this.u32;
    const i = obj >>> 2;
    const t = u32[i + OB_TYPE_IDX] & TYPE_ID_MASK;
    if (this.live !== null || (obj & ADDR_MASK) >>> 0 !== obj || !this.fixedSlotOk(t, offset)) {
      return this.u32[this.slotIndex(obj, offset, 'getSlot')];
    }
    return u32[i + (offset >>> 2)];
  }

  /**
   * Py_SETREF: store `value` (a reference the caller gives away, or 0) in the slot at byte
   * `offset`, then decref the old value — which may deallocate it, after the slot changed.
   */
  setSlot(obj: Addr, offset: number, value: Addr): void {
    const u32 = this.u32;
    const i = obj >>> 2;
    const t = u32[i + OB_TYPE_IDX] & TYPE_ID_MASK;
    let at: number;
    if (this.live !== null || (obj & ADDR_MASK) >>> 0 !== obj || !this.fixedSlotOk(t, offset)) {
      at = this.slotIndex(obj, offset, 'setSlot');
    } else {
      at = i + (offset >>> 2);
    }
    if ((value & ADDR_MASK) >>> 0 !== value || (this.live !== null && value !== 0)) {
      if (value !== 0) this.objectIndex(value, 'setSlot value');
    }
    const old = this.u32[at];
    this.u32[at] = value;
    if (old !== 0) this.decref(old);
  }

  /** Fast check: `offset` is a u32 field after the header (and ob_size) inside the fixed part. */
  private fixedSlotOk(t: number, offset: number): boolean {
    return (
      (offset & 0x7ffffffc) === offset && // an integer multiple of 4 (rejects 8.5, '8', -4)
      offset >= OBJECT_HEADER_SIZE &&
      offset + 4 <= this.tBasic[t] &&
      (offset !== OB_SIZE_OFF || (this.typeFlags[t] & TPFLAGS_VAR_SIZE) === 0)
    );
  }

  /** Full check of a slot access (items of var-size objects included); its word index. */
  private slotIndex(obj: Addr, offset: number, what: string): number {
    const i = this.objectIndex(obj, what);
    const t = this.u32[i + OB_TYPE_IDX] & TYPE_ID_MASK;
    const min =
      (this.typeFlags[t] & TPFLAGS_VAR_SIZE) !== 0 ? VAR_OBJECT_HEADER_SIZE : OBJECT_HEADER_SIZE;
    if (
      typeof offset !== 'number' ||
      !Number.isInteger(offset) ||
      (offset & 3) !== 0 ||
      offset < min ||
      offset + 4 > this.sizeAt(i)
    ) {
      fail(
        'E_INVALID_ARGUMENT',
        `${what}: offset ${String(offset)} is not a u32 field of ${this.describe(obj)}`,
      );
    }
    return i + (offset >>> 2);
  }

  // ── immortal objects (PEP 683) ───────────────────────────────────────────────────

  /** Make `obj` immortal: its count becomes IMMORTAL_REFCNT and it is never freed. */
  makeImmortal(obj: Addr): void {
    const i = this.objectIndex(obj, 'makeImmortal');
    const rc = this.u32[i];
    if (rc >= IMMORTAL_REFCNT) return;
    if (rc === 0) fail('E_FREED_OBJECT', `makeImmortal: ${this.describe(obj)} has refcount 0`);
    this.u32[i] = IMMORTAL_REFCNT;
    this.nImmortal++;
  }

  isImmortal(obj: Addr): boolean {
    return this.u32[this.objectIndex(obj, 'isImmortal')] >= IMMORTAL_REFCNT;
  }

  // ── tracking (PyObject_GC_Track / UnTrack / IsTracked) ───────────────────────────

  /** Start tracking a GC object. E_ALREADY_TRACKED if tracked already or not a GC type. */
  track(obj: Addr): void {
    const i = this.objectIndex(obj, 'track');
    const word = this.u32[i + OB_TYPE_IDX];
    if ((this.typeFlags[word & TYPE_ID_MASK] & TPFLAGS_HAVE_GC) === 0) {
      fail('E_ALREADY_TRACKED', `track: '${this.typeName(obj)}' objects are not GC objects`);
    }
    if (this.collector !== null) {
      this.collector.track(obj);
    } else {
      if ((word & OBF_RC_TRACKED) !== 0)
        fail('E_ALREADY_TRACKED', `track: ${this.describe(obj)} is already tracked`);
      this.u32[i + OB_TYPE_IDX] = word | OBF_RC_TRACKED;
    }
  }

  /** Stop tracking; no-op for untracked objects and non-GC types. */
  untrack(obj: Addr): void {
    const i = this.objectIndex(obj, 'untrack');
    if ((this.typeFlags[this.u32[i + OB_TYPE_IDX] & TYPE_ID_MASK] & TPFLAGS_HAVE_GC) === 0) return;
    this.untrackGc(obj);
  }

  isTracked(obj: Addr): boolean {
    const i = this.objectIndex(obj, 'isTracked');
    const word = this.u32[i + OB_TYPE_IDX];
    if ((this.typeFlags[word & TYPE_ID_MASK] & TPFLAGS_HAVE_GC) === 0) return false;
    return this.collector !== null ? this.collector.isTracked(obj) : (word & OBF_RC_TRACKED) !== 0;
  }

  /** gc.is_finalized: the PEP 442 finalizer of this GC object has run. */
  isFinalized(obj: Addr): boolean {
    return (this.u32[this.objectIndex(obj, 'isFinalized') + OB_TYPE_IDX] & OBF_FINALIZED) !== 0;
  }

  // ── weak references ──────────────────────────────────────────────────────────────

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

  // ── ObjectSpace: what a collector calls ──────────────────────────────────────────

  /**
   * Reference layout by type id for collectors' inline traversal (ObjectSpace.refLayout);
   * undefined when the heap was made with `refLayout: false`. Read it again after types are
   * registered: its arrays are replaced when the type table grows.
   */
  get refLayout(): RefLayout | undefined {
    return this.layoutCache ?? undefined;
  }

  /** gc's free-list clearing (ObjectSpace.clearFreeLists): runs what the object model added. */
  clearFreeLists(): void {
    for (const fn of this.freeListClearers) fn();
  }

  /** Register a free-list clearer (b.9); collectors call them after full collections. */
  addFreeListClearer(fn: () => void): void {
    this.freeListClearers.push(fn);
  }

  /** tp_traverse: `visitor.visit(ref)` for every non-null reference `obj` holds. */
  traverse(obj: Addr, visitor: Visitor): void {
    const t = this.u32[(obj >>> 2) + OB_TYPE_IDX] & TYPE_ID_MASK;
    const kind = this.tKind[t];
    if ((kind & K_CUSTOM_TRAVERSE) !== 0) {
      this.types.specs[t].traverse!(this, obj, visitor);
      return;
    }
    const nFixed = this.tRefCnt[t];
    const fixedBase = (obj + this.tRefOff[t]) >>> 2;
    for (let k = 0; k < nFixed; k++) {
      const ref = this.u32[fixedBase + k];
      if (ref !== 0) visitor.visit(ref);
    }
    if ((kind & K_ITEM_REFS) !== 0) {
      // Items last to first, as tupletraverse / list_traverse.
      const itemBase = (obj + this.tBasic[t]) >>> 2;
      for (let k = this.u32[(obj >>> 2) + OB_SIZE_IDX] - 1; k >= 0; k--) {
        const ref = this.u32[itemBase + k];
        if (ref !== 0) visitor.visit(ref);
      }
    }
  }

  /**
   * tp_clear: drop `obj`'s references (each slot set to 0 before its decref, as Py_CLEAR).
   * May free other objects, and `obj` itself. Exceptions go to the unraisable hook.
   */
  clear(obj: Addr): void {
    const t = this.u32[(obj >>> 2) + OB_TYPE_IDX] & TYPE_ID_MASK;
    const kind = this.tKind[t];
    if ((kind & K_CUSTOM_CLEAR) !== 0) {
      this.callUser(this.types.specs[t].clear!, obj, 'tp_clear');
      return;
    }
    // Hold obj while clearing: dropping a slot may lead back to obj and free it half-way.
    const hold = this.u32[obj >>> 2] > 0;
    if (hold) this.incref(obj);
    const nFixed = this.tRefCnt[t];
    for (let k = 0; k < nFixed; k++) {
      const at = ((obj + this.tRefOff[t]) >>> 2) + k;
      const ref = this.u32[at];
      if (ref !== 0) {
        this.u32[at] = 0;
        this.decref(ref);
      }
    }
    if ((kind & K_ITEM_REFS) !== 0) {
      // Items last to first, as _list_clear.
      for (let k = this.u32[(obj >>> 2) + OB_SIZE_IDX] - 1; k >= 0; k--) {
        const at = ((obj + this.tBasic[t]) >>> 2) + k;
        const ref = this.u32[at];
        if (ref !== 0) {
          this.u32[at] = 0;
          this.decref(ref);
        }
      }
    }
    if (hold) this.decref(obj);
  }

  /** Call the PEP 442 finalizer (the caller set OBF_FINALIZED and holds a reference). */
  finalize(obj: Addr): void {
    const spec = this.specOf(obj);
    if (spec.finalize === undefined) return;
    this.nFinalized++;
    this.callUser(spec.finalize, obj, 'finalizer');
  }

  /** Lazy untracking: true when nothing `obj` holds may be tracked (type's mayUntrack). */
  mayUntrack(obj: Addr): boolean {
    const spec = this.specOf(obj);
    return spec.mayUntrack !== undefined && spec.mayUntrack(this, obj);
  }

  /** "<list 0x1f40>". */
  describe(obj: Addr): string {
    return `<${this.typeName(obj)} ${hexAddr(obj)}>`;
  }

  typeName(obj: Addr): string {
    const i = obj >>> 2;
    const t = i + OB_TYPE_IDX < this.u32.length ? this.u32[i + OB_TYPE_IDX] & TYPE_ID_MASK : 0;
    return t > 0 && t < this.typeLimit ? this.types.specs[t].name : 'freed object';
  }

  // ── introspection ────────────────────────────────────────────────────────────────

  stats(): ObjectHeapStats {
    let linked = 0;
    for (const list of this.weakrefs.lists.values()) linked += list.length;
    return {
      liveObjects: this.nAllocated - this.nDeallocated,
      liveGcObjects: this.nLiveGc,
      allocated: this.nAllocated,
      deallocated: this.nDeallocated,
      immortalObjects: this.nImmortal,
      finalizersCalled: this.nFinalized,
      legacyFinalizersCalled: this.nLegacy,
      resurrections: this.nResurrected,
      weakrefCallbacksCalled: this.weakrefs.callbacksCalled,
      objectsWithWeakrefs: this.weakrefs.lists.size,
      linkedWeakrefs: linked,
      trashcanDeferred: this.nDeferred,
      peakWorkStack: this.peakFrames >>> 1,
      types: this.types.count - 1,
    };
  }

  /** Walk what the heap keeps (counters, weakref tables; every live object in debug mode). */
  check(): void {
    checkObjectHeap({
      heap: this,
      u32: this.u32,
      types: this.types,
      weakrefs: this.weakrefs,
      live: this.live,
      freed: this.freed,
      allocated: this.nAllocated,
      deallocated: this.nDeallocated,
      liveGc: this.nLiveGc,
      busy: this.nesting > 0,
      workStack: this.workStackDepth(),
    });
  }
}
