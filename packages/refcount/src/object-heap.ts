/**
 * ObjectHeap — reference-counted objects in a pyheap heap, with CPython's semantics
 * (Include/object.h, Objects/object.c, Objects/weakrefobject.c): the public API of the
 * refcount core and the ObjectSpace a cycle collector works on. The refcount and dealloc
 * machinery is in heap-core.ts and deallocation.ts; the weakref API in weakref-api.ts, over the
 * weak reference lists of weakref-table.ts.
 */
import {
  IMMORTAL_REFCNT as IMMORTAL_REFCNT_,
  OBF_FINALIZED,
  OBF_RC_TRACKED as OBF_RC_TRACKED_,
  OB_SIZE_IDX as OB_SIZE_IDX_,
  OB_SIZE_OFF as OB_SIZE_OFF_,
  OB_TYPE_IDX as OB_TYPE_IDX_,
  OBJECT_HEADER_SIZE as OBJECT_HEADER_SIZE_,
  TPFLAGS_HAVE_GC as TPFLAGS_HAVE_GC_,
  TPFLAGS_VAR_SIZE as TPFLAGS_VAR_SIZE_,
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
import {
  K_CUSTOM_CLEAR as K_CUSTOM_CLEAR_,
  K_CUSTOM_TRAVERSE as K_CUSTOM_TRAVERSE_,
  K_ITEM_BLOCK as K_ITEM_BLOCK_,
  K_ITEM_REFS as K_ITEM_REFS_,
} from './layout.js';
import type { ObjectHeapOpts, ObjectHeapStats } from './opts.js';
import { WeakrefHeap } from './weakref-api.js';

// Module-local copies of the constants the hot paths read: under a module runner (vitest's)
// an imported binding is a getter call, a module const is a constant.
const IMMORTAL_REFCNT = IMMORTAL_REFCNT_;
const OB_TYPE_IDX = OB_TYPE_IDX_;
const TYPE_ID_MASK = TYPE_ID_MASK_;
const TPFLAGS_HAVE_GC = TPFLAGS_HAVE_GC_;
const OB_SIZE_IDX = OB_SIZE_IDX_;
const TPFLAGS_VAR_SIZE = TPFLAGS_VAR_SIZE_;
const OBJECT_HEADER_SIZE = OBJECT_HEADER_SIZE_;
const OB_SIZE_OFF = OB_SIZE_OFF_;
const K_CUSTOM_CLEAR = K_CUSTOM_CLEAR_;
const K_CUSTOM_TRAVERSE = K_CUSTOM_TRAVERSE_;
const K_ITEM_REFS = K_ITEM_REFS_;
const K_ITEM_BLOCK = K_ITEM_BLOCK_;
const OBF_RC_TRACKED = OBF_RC_TRACKED_;

const ADDR_MASK = 0xfffffff8;

export class ObjectHeap extends WeakrefHeap implements ObjectSpace {
  private readonly freeListClearers: (() => void)[];

  constructor(opts: ObjectHeapOpts) {
    super(opts);
    if (this.debug) this.track = this.trackChecked;
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
    const i = this.objectIndex(obj, 'typeId'); // before this.u32: it may follow the memory
    return this.u32[i + OB_TYPE_IDX] & TYPE_ID_MASK;
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
    const i = this.objectIndex(obj, 'refcnt');
    return this.u32[i];
  }

  /** Borrowed reference in the u32 slot at byte `offset` of `obj` (0 = NULL). */
  getSlot(obj: Addr, offset: number): Addr {
    const u32 = this.u32;
    const i = obj >>> 2;
    const t = u32[i + OB_TYPE_IDX] & TYPE_ID_MASK;
    if (this.live !== null || (obj & ADDR_MASK) >>> 0 !== obj || !this.fixedSlotOk(t, offset)) {
      const at = this.slotIndex(obj, offset, 'getSlot');
      return this.u32[at];
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
    const i = this.objectIndex(obj, 'isImmortal');
    return this.u32[i] >= IMMORTAL_REFCNT;
  }

  // ── tracking (PyObject_GC_Track / UnTrack / IsTracked) ───────────────────────────

  /**
   * Start tracking a GC object. E_ALREADY_TRACKED if tracked already or not a GC type.
   *
   * The checks of trackChecked, inline for the usual case: a non-zero multiple of 8 whose type
   * word (read in bounds, so the header is inside the heap) names a registered GC type. Never
   * the heap's track in debug mode (see the constructor); anything unusual goes to trackChecked
   * for its error.
   */
  track(obj: Addr): void {
    if ((obj & ADDR_MASK) >>> 0 === obj && obj !== 0) {
      const ti = (obj >>> 2) + OB_TYPE_IDX;
      const word = this.u32[ti];
      const t = word & TYPE_ID_MASK;
      if (t !== 0 && t < this.typeLimit && (this.typeFlags[t] & TPFLAGS_HAVE_GC) !== 0) {
        const c = this.collector;
        if (c !== null) {
          c.track(obj);
          return;
        }
        if ((word & OBF_RC_TRACKED) === 0) {
          this.u32[ti] = word | OBF_RC_TRACKED;
          return;
        }
      }
    }
    this.trackChecked(obj);
  }

  /** track with every check of objectIndex (the debug-mode track). */
  private trackChecked(obj: Addr): void {
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
    const i = this.objectIndex(obj, 'isFinalized');
    return (this.u32[i + OB_TYPE_IDX] & OBF_FINALIZED) !== 0;
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

  /**
   * gc's free-list clearing (ObjectSpace.clearFreeLists, after full collections): releases the
   * objects kept on the types' free lists (TypeSpec.freeList), then runs what the object model
   * added.
   */
  clearFreeLists(): void {
    this.releaseFreeLists();
    for (const fn of this.freeListClearers) fn();
  }

  /** Register a free-list clearer (b.9); collectors call them after full collections. */
  addFreeListClearer(fn: () => void): void {
    this.freeListClearers.push(fn);
  }

  /** tp_traverse: `visitor.visit(ref)` for every non-null reference `obj` holds. */
  traverse(obj: Addr, visitor: Visitor): void {
    const t = this.currentU32()[(obj >>> 2) + OB_TYPE_IDX] & TYPE_ID_MASK;
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
    let itemBase = 0;
    if ((kind & K_ITEM_REFS) !== 0) itemBase = (obj + this.tBasic[t]) >>> 2;
    else if ((kind & K_ITEM_BLOCK) !== 0)
      itemBase = this.u32[(obj + this.types.itemOffset[t]) >>> 2] >>> 2;
    if (itemBase !== 0) {
      // Items last to first, as tupletraverse / list_traverse.
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
    const t = this.currentU32()[(obj >>> 2) + OB_TYPE_IDX] & TYPE_ID_MASK;
    const kind = this.tKind[t];
    if ((kind & K_CUSTOM_CLEAR) !== 0) {
      this.callUser(this.types.specs[t].clear!, obj, 'tp_clear');
      return;
    }
    // Hold obj while clearing: dropping a slot may lead back to obj and free it half-way.
    const hold = this.u32[obj >>> 2] > 0;
    if (hold) this.incref(obj);
    // this.u32 is read again after each decref: a death may run user code that grows memory.
    const nFixed = this.tRefCnt[t];
    const fixedBase = (obj + this.tRefOff[t]) >>> 2;
    for (let k = 0; k < nFixed; k++) {
      const at = fixedBase + k;
      const ref = this.u32[at];
      if (ref !== 0) {
        this.u32[at] = 0;
        this.decref(ref);
      }
    }
    if ((kind & K_ITEM_REFS) !== 0) {
      // Items last to first, as _list_clear.
      const itemBase = (obj + this.tBasic[t]) >>> 2;
      for (let k = this.u32[(obj >>> 2) + OB_SIZE_IDX] - 1; k >= 0; k--) {
        const at = itemBase + k;
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
    const u32 = this.currentU32();
    const t = i + OB_TYPE_IDX < u32.length ? u32[i + OB_TYPE_IDX] & TYPE_ID_MASK : 0;
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
      freeListed: this.freeLists.size,
      peakWorkStack: this.peakFrames >>> 1,
      types: this.types.count - 1,
    };
  }

  /** Walk what the heap keeps (counters, weakref tables; every live object in debug mode). */
  check(): void {
    checkObjectHeap({
      heap: this,
      u32: this.currentU32(),
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
