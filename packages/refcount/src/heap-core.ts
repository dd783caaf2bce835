/**
 * The reference-counting core: the heap's state, allocation of objects with their header (and
 * the collector's prefix), Py_INCREF / Py_DECREF (Include/object.h, Objects/object.c), and
 * tracking. A decref to zero hands the object to the deallocator (deallocation.ts).
 *
 * The hot paths (incref, decref, alloc) are chosen once, in the constructor: a debug variant
 * that checks every address against the live set, and variants that call the collector's
 * decrefToNonZero / containerAllocated hooks only when the collector declares them.
 */
import {
  IMMORTAL_REFCNT as IMMORTAL_REFCNT_,
  MAX_HEAP_BYTES,
  OBF_DEALLOCATING as OBF_DEALLOCATING_,
  OBF_RC_TRACKED as OBF_RC_TRACKED_,
  OB_REFCNT_IDX as OB_REFCNT_IDX_,
  OB_SIZE_IDX as OB_SIZE_IDX_,
  OB_TYPE_IDX as OB_TYPE_IDX_,
  TPFLAGS_HAVE_GC as TPFLAGS_HAVE_GC_,
  TPFLAGS_VAR_SIZE as TPFLAGS_VAR_SIZE_,
  TPFLAGS_WEAKREF,
  TYPE_ID_MASK as TYPE_ID_MASK_,
  checkSize,
  fail,
  hexAddr,
  type Addr,
  type Allocator,
  type Collector,
  type Memory,
  type RefLayout,
  type TypeSpec,
} from '@pyheap/interface';
import { FreeLists } from './free-lists.js';
import type { ObjectHeap } from './object-heap.js';
import type { ObjectHeapOpts } from './opts.js';
import { TypeRegistry } from './type-registry.js';
import { WeakrefTable } from './weakref-table.js';
import { WEAKREF_TYPE_SPEC } from './weakref-type.js';

// Module-local copies of the constants the hot paths read: under a module runner (vitest's)
// an imported binding is a getter call, a module const is a constant.
const IMMORTAL_REFCNT = IMMORTAL_REFCNT_;
const OB_TYPE_IDX = OB_TYPE_IDX_;
const TYPE_ID_MASK = TYPE_ID_MASK_;
const TPFLAGS_HAVE_GC = TPFLAGS_HAVE_GC_;
const OB_SIZE_IDX = OB_SIZE_IDX_;
const OB_REFCNT_IDX = OB_REFCNT_IDX_;
const OBF_DEALLOCATING = OBF_DEALLOCATING_;
const TPFLAGS_VAR_SIZE = TPFLAGS_VAR_SIZE_;
const OBF_RC_TRACKED = OBF_RC_TRACKED_;

/** `(obj & ADDR_MASK) >>> 0 === obj` holds exactly for integers in 0..2^32-1 that are multiples of 8. */
const ADDR_MASK = 0xfffffff8;

export abstract class HeapCore {
  readonly memory: Memory;
  readonly allocator: Allocator;
  readonly collector: Collector | null;
  /** Bytes of collector prefix before GC objects (collector.prefixBytes, or 0). */
  readonly prefixBytes: number;
  readonly debug: boolean;
  /**
   * The memory's current u32 view, refreshed whenever the memory replaces its views. Read it
   * again after any call that may allocate or run user code. Do not assign. It can be detached
   * (length 0) when the host grew a WebAssembly.Memory itself: public entry points that read it
   * before validating go through `currentU32()`, and the fast paths fall through to ones that do.
   */
  u32: Uint32Array;
  /** TPFLAGS_* by type id (ObjectSpace.typeFlags); replaced when the table grows. */
  typeFlags!: Uint32Array;
  /** Type id of the built-in weakref type. */
  readonly weakrefType: number;

  protected readonly types = new TypeRegistry<ObjectHeap>();
  // The registry's tables, copied here after every registration so that hot paths read them
  // with one field load (the registry replaces them when it grows).
  protected tKind!: Uint8Array;
  protected tBasic!: Uint32Array;
  protected tItem!: Uint32Array;
  protected tRefOff!: Uint32Array;
  protected tRefCnt!: Uint32Array;
  /** Free-list capacity and largest kept item count by type id (TypeSpec.freeList). */
  protected tFreeCap!: Uint32Array;
  protected tFreeItems!: Uint32Array;
  /** Freed objects kept for reuse (spec b.9); their headers say "freed" until reused. */
  protected readonly freeLists = new FreeLists();
  /** Registered type ids are 1..typeLimit-1. */
  protected typeLimit = 1;
  /** ObjectSpace.refLayout, rebuilt when the tables are replaced; null when disabled. */
  protected layoutCache: RefLayout | null = null;
  private readonly offerLayout: boolean;
  protected readonly weakrefs: WeakrefTable;
  protected readonly unraisableHook: (error: unknown, context: string) => void;
  /** The heap as its spec callbacks see it (the concrete ObjectHeap). */
  protected readonly self: ObjectHeap;

  private readonly hookAlloc: boolean;
  protected readonly hookNonZero: boolean;
  protected readonly hookDealloc: boolean;

  // Counters (ObjectHeapStats).
  protected nAllocated = 0;
  protected nDeallocated = 0;
  protected nLiveGc = 0;
  protected nImmortal = 0;
  protected nFinalized = 0;
  protected nLegacy = 0;
  protected nResurrected = 0;
  protected nDeferred = 0;
  protected peakFrames = 0;

  /** Debug mode: live object addresses, and freed ones (to tell E_FREED_OBJECT apart). */
  protected readonly live: Set<Addr> | null;
  protected readonly freed: Set<Addr> | null;

  constructor(opts: ObjectHeapOpts) {
    if (typeof opts !== 'object' || opts === null || typeof opts.allocator !== 'object') {
      fail('E_INVALID_ARGUMENT', 'ObjectHeap needs an allocator');
    }
    const allocator = opts.allocator;
    if (allocator.alignment % 8 !== 0) {
      fail(
        'E_INVALID_ARGUMENT',
        `objects need 8-byte alignment, allocator gives ${allocator.alignment}`,
      );
    }
    const collector = opts.collector ?? null;
    const prefix = collector === null ? 0 : collector.prefixBytes;
    if (!(prefix >= 0 && prefix % 8 === 0 && prefix <= 1024)) {
      fail(
        'E_INVALID_ARGUMENT',
        `collector prefixBytes must be a multiple of 8 in 0..1024, got ${prefix}`,
      );
    }
    this.allocator = allocator;
    this.memory = allocator.memory;
    this.collector = collector;
    this.prefixBytes = prefix;
    this.debug = opts.debug === true;
    this.offerLayout = opts.refLayout !== false;
    this.unraisableHook = opts.unraisableHook ?? defaultUnraisableHook;
    this.live = this.debug ? new Set() : null;
    this.freed = this.debug ? new Set() : null;
    this.self = this as unknown as ObjectHeap;
    this.u32 = this.memory.u32;
    this.memory.onResize((m) => {
      this.u32 = m.u32;
    });
    this.weakrefs = new WeakrefTable(this.self);

    // Hooks are chosen once: a collector that does not declare one never pays for it.
    const hooks = collector?.hooks;
    this.hookAlloc = hooks?.containerAllocated === true;
    this.hookNonZero = hooks?.decrefToNonZero === true;
    this.hookDealloc = hooks?.deallocating === true;
    if (this.debug) {
      this.incref = this.increfSlow;
      this.decref = this.decrefSlow;
    } else if (this.hookNonZero) {
      this.decref = this.decrefNotify;
    }
    if (this.hookAlloc) this.alloc = this.allocNotify;

    this.weakrefType = this.types.register(WEAKREF_TYPE_SPEC, TPFLAGS_WEAKREF);
    this.syncTypes();
  }

  /** Copy the registry's (possibly replaced) tables into the heap's fields. */
  protected syncTypes(): void {
    const types = this.types;
    this.typeFlags = types.flags;
    this.tKind = types.kind;
    this.tBasic = types.basicSize;
    this.tItem = types.itemSize;
    this.tRefOff = types.refOffset;
    this.tRefCnt = types.refCount;
    this.tFreeCap = types.freeList;
    this.tFreeItems = types.freeListItems;
    this.typeLimit = types.count;
    if (
      this.offerLayout &&
      (this.layoutCache === null || this.layoutCache.refCount !== types.refCount)
    ) {
      this.layoutCache = {
        slotTraverse: types.slotTraverse,
        refOffset: types.refOffset,
        refCount: types.refCount,
        itemOffset: types.itemOffset,
      };
    }
  }

  abstract describe(obj: Addr): string;
  /** `obj`'s refcount just reached 0 (_Py_Dealloc): deallocation.ts. */
  protected abstract objectDied(obj: Addr): void;

  // ── reference counts ─────────────────────────────────────────────────────────────

  /** Py_INCREF. An immortal object is not written. */
  incref(obj: Addr): void {
    const u32 = this.u32;
    const i = obj >>> 2;
    const rc = u32[i];
    if (rc > 0 && rc < IMMORTAL_REFCNT && (obj & ADDR_MASK) >>> 0 === obj) {
      u32[i] = rc + 1;
      return;
    }
    this.increfSlow(obj);
  }

  /**
   * Py_DECREF: deallocates at zero. An immortal object is not written.
   *
   * Never the heap's decref in debug mode (the constructor installs decrefSlow instead), so the
   * fast paths need not consult the live set.
   */
  decref(obj: Addr): void {
    const u32 = this.u32;
    const i = obj >>> 2;
    const rc = u32[i];
    if ((obj & ADDR_MASK) >>> 0 === obj) {
      if (rc > 1) {
        if (rc < IMMORTAL_REFCNT) u32[i] = rc - 1;
        return;
      }
      if (rc === 1 && this.releaseLast(u32, obj)) return;
    }
    this.decrefSlow(obj);
  }

  /**
   * The last reference to `obj` (refcount 1) goes: refcount 0 and _Py_Dealloc, when the tests
   * decrefSlow would make for this case hold (a non-null object address, a registered type,
   * not already being deallocated). Returns false, touching nothing, otherwise: the caller
   * then goes to decrefSlow for its error.
   */
  private releaseLast(u32: Uint32Array, obj: Addr): boolean {
    const i = obj >>> 2;
    const word = u32[i + OB_TYPE_IDX];
    const t = word & TYPE_ID_MASK;
    if (obj === 0 || t === 0 || t >= this.typeLimit || (word & OBF_DEALLOCATING) !== 0) {
      return false;
    }
    u32[i] = 0;
    this.objectDied(obj);
    return true;
  }

  /** decref for collectors with the decrefToNonZero hook (Bacon–Rajan candidate roots). */
  private decrefNotify(obj: Addr): void {
    const u32 = this.u32;
    const i = obj >>> 2;
    const rc = u32[i];
    if ((obj & ADDR_MASK) >>> 0 === obj) {
      if (rc > 1) {
        if (rc < IMMORTAL_REFCNT) {
          u32[i] = rc - 1;
          if ((this.typeFlags[u32[i + OB_TYPE_IDX] & TYPE_ID_MASK] & TPFLAGS_HAVE_GC) !== 0) {
            this.collector!.decrefToNonZero(obj);
          }
        }
        return;
      }
      if (rc === 1 && this.releaseLast(u32, obj)) return;
    }
    this.decrefSlow(obj);
  }

  /** Everything the fast incref does not handle: validation, immortal objects, errors. */
  private increfSlow(obj: Addr): void {
    const i = this.objectIndex(obj, 'incref');
    const u32 = this.u32;
    const rc = u32[i];
    if (rc >= IMMORTAL_REFCNT) return;
    if (rc === 0) fail('E_FREED_OBJECT', `incref of ${this.describe(obj)} whose refcount is 0`);
    u32[i] = rc + 1;
  }

  /** Everything the fast decref does not handle: validation, deaths, underflow. */
  private decrefSlow(obj: Addr): void {
    const i = this.objectIndex(obj, 'decref');
    const u32 = this.u32;
    const rc = u32[i];
    if (rc >= IMMORTAL_REFCNT) return;
    if (rc > 1) {
      u32[i] = rc - 1;
      if (
        this.hookNonZero &&
        (this.typeFlags[u32[i + OB_TYPE_IDX] & TYPE_ID_MASK] & TPFLAGS_HAVE_GC) !== 0
      ) {
        this.collector!.decrefToNonZero(obj);
      }
      return;
    }
    if (rc === 0 || (u32[i + OB_TYPE_IDX] & OBF_DEALLOCATING) !== 0) {
      fail(
        'E_REFCOUNT_UNDERFLOW',
        `decref of ${this.describe(obj)} would make its refcount negative`,
      );
    }
    u32[i] = 0;
    this.objectDied(obj);
  }

  /**
   * `u32`, first followed to the memory's current buffer when ours was detached: a
   * WebAssembly.Memory grown by its owner (a WASM module's memory.grow) detaches the buffer we
   * hold without telling anyone; reading the memory's own view makes it notice and notify every
   * listener (ours, the collector's, the object model's, the allocator's on its next call). A
   * detached view has length 0, and every heap is at least one page long.
   */
  protected currentU32(): Uint32Array {
    const u32 = this.u32;
    return u32.length !== 0 ? u32 : this.memory.u32;
  }

  /**
   * Word index of `obj` after checking it is a plausible object address: E_NOT_A_NUMBER,
   * E_INVALID_ADDRESS, or E_FREED_OBJECT (a zeroed type word, or debug mode's freed set).
   * Every slow path starts here, so it also follows a detached view (currentU32).
   */
  protected objectIndex(obj: Addr, what: string): number {
    if (typeof obj !== 'number')
      fail('E_NOT_A_NUMBER', `${what}: address must be a number, not ${typeof obj}`);
    if ((obj & ADDR_MASK) >>> 0 !== obj || obj === 0) {
      fail(
        'E_INVALID_ADDRESS',
        `${what}: ${String(obj)} is not an object address (non-zero multiple of 8)`,
      );
    }
    const i = obj >>> 2;
    const u32 = this.currentU32();
    if (i + OB_SIZE_IDX > u32.length)
      fail('E_INVALID_ADDRESS', `${what}: ${hexAddr(obj)} is outside the heap`);
    if (this.live !== null && !this.live.has(obj)) {
      if (this.freed!.has(obj))
        fail('E_FREED_OBJECT', `${what}: object at ${hexAddr(obj)} was freed`);
      fail('E_INVALID_ADDRESS', `${what}: no object at ${hexAddr(obj)}`);
    }
    const t = u32[i + OB_TYPE_IDX] & TYPE_ID_MASK;
    if (t === 0) fail('E_FREED_OBJECT', `${what}: object at ${hexAddr(obj)} was freed`);
    if (t >= this.typeLimit) fail('E_INVALID_ADDRESS', `${what}: no object at ${hexAddr(obj)}`);
    return i;
  }

  // ── allocation ───────────────────────────────────────────────────────────────────

  /**
   * New object: refcount 1, body zeroed, ob_size = nitems for var-size types. Returns 0 when
   * out of memory. GC types get the collector prefix but are not tracked.
   */
  alloc(typeId: number, nitems = 0): Addr {
    return this.allocObject(typeId, nitems, false);
  }

  /**
   * alloc for collectors with the containerAllocated hook (generation-0 count, triggering). An
   * object taken from a free list is not announced (CPython counts only PyObject_GC_New).
   */
  private allocNotify(typeId: number, nitems = 0): Addr {
    return this.allocObject(typeId, nitems, true);
  }

  /**
   * The body of alloc (PyObject_New / PyObject_GC_New), a plain method that both alloc variants
   * call directly. A fixed-size block size is a small integer (basicSize and the prefix are far
   * below 2^31); var-size types take their own path, whose sizes may not be.
   */
  private allocObject(typeId: number, nitems: number, notify: boolean): Addr {
    if (!((typeId & TYPE_ID_MASK) === typeId && typeId > 0 && typeId < this.typeLimit)) {
      fail('E_BAD_TYPE', `alloc: no type with id ${String(typeId)}`);
    }
    const flags = this.typeFlags[typeId];
    const prefix = (flags & TPFLAGS_HAVE_GC) !== 0 ? this.prefixBytes : 0;
    let bytes: number;
    if ((flags & TPFLAGS_VAR_SIZE) !== 0) {
      bytes = this.varObjectBytes(typeId, prefix, nitems);
    } else {
      if (nitems !== 0) {
        fail(
          'E_INVALID_ARGUMENT',
          `alloc: '${this.types.specs[typeId].name}' is not a variable-size type`,
        );
      }
      bytes = (prefix + this.tBasic[typeId] + 7) & ~7;
    }
    if (this.tFreeCap[typeId] !== 0) {
      const kept = this.freeLists.take(typeId, nitems);
      if (kept !== 0) return this.initObject(kept - prefix, typeId, flags, prefix, bytes, nitems);
    }
    const block = this.allocator.malloc(bytes);
    if (block === 0) return 0;
    const obj = this.initObject(block, typeId, flags, prefix, bytes, nitems);
    if (notify && (flags & TPFLAGS_HAVE_GC) !== 0) this.collector!.containerAllocated(obj);
    return obj;
  }

  /** PyObject_NewVar's size: basicSize + nitems × itemSize (rounded up to 8) after the prefix. */
  private varObjectBytes(typeId: number, prefix: number, nitems: number): number {
    const size = this.tBasic[typeId] + checkSize(nitems, 'nitems') * this.tItem[typeId];
    let bytes = prefix + size;
    bytes += (8 - (bytes & 7)) & 7;
    // A size beyond the 32-bit heap: refused with the error every allocator's malloc gives for
    // it (checkSize: E_INVALID_SIZE), so that initObject only sees a uint32.
    if (bytes >= MAX_HEAP_BYTES) checkSize(bytes);
    return bytes;
  }

  /**
   * Initialise the object after the prefix in `block` (`bytes`, a multiple of 8, prefix
   * included) as _PyObject_Init does: everything zeroed, refcount 1, type, and ob_size for
   * var-size types.
   */
  private initObject(
    block: number,
    typeId: number,
    flags: number,
    prefix: number,
    bytes: number,
    nitems: number,
  ): Addr {
    const u32 = this.u32;
    const w = block >>> 2;
    const end = w + (bytes >>> 2);
    if (bytes <= 256) {
      for (let k = w; k < end; k++) u32[k] = 0;
    } else {
      u32.fill(0, w, end);
    }
    const obj = block + prefix;
    const i = obj >>> 2;
    u32[i + OB_REFCNT_IDX] = 1;
    u32[i + OB_TYPE_IDX] = typeId;
    if ((flags & TPFLAGS_VAR_SIZE) !== 0) u32[i + OB_SIZE_IDX] = nitems;
    this.nAllocated++;
    if ((flags & TPFLAGS_HAVE_GC) !== 0) this.nLiveGc++;
    if (this.live !== null) {
      this.live.add(obj);
      this.freed!.delete(obj);
    }
    return obj;
  }

  // ── tracking (the collector's, or a header bit in refcount-only mode) ───────────────

  /** Untrack a GC object; returns whether it was tracked. */
  protected untrackGc(obj: Addr): boolean {
    const c = this.collector;
    if (c !== null) {
      if (!c.isTracked(obj)) return false;
      c.untrack(obj);
      return true;
    }
    const t = (obj >>> 2) + OB_TYPE_IDX;
    const word = this.u32[t];
    this.u32[t] = word & ~OBF_RC_TRACKED;
    return (word & OBF_RC_TRACKED) !== 0;
  }

  protected trackGc(obj: Addr): void {
    if (this.collector !== null) this.collector.track(obj);
    else this.u32[(obj >>> 2) + OB_TYPE_IDX] |= OBF_RC_TRACKED;
  }

  /** Run a type function; what it throws goes to the unraisable hook. */
  protected callUser(fn: (space: ObjectHeap, obj: Addr) => void, obj: Addr, what: string): void {
    try {
      fn(this.self, obj);
    } catch (e) {
      this.reportUnraisable(e, `Exception ignored in ${what} of ${this.describe(obj)}`);
    }
  }

  /** sys.unraisablehook. */
  reportUnraisable(error: unknown, context: string): void {
    try {
      this.unraisableHook(error, context);
    } catch (e) {
      defaultUnraisableHook(e, 'Exception ignored in the unraisable hook');
    }
  }

  /** The spec of an object's type (internal, no checks). */
  protected specOf(obj: Addr): TypeSpec<ObjectHeap> {
    return this.types.specs[this.currentU32()[(obj >>> 2) + OB_TYPE_IDX] & TYPE_ID_MASK];
  }
}

function defaultUnraisableHook(error: unknown, context: string): void {
  console.error(context, error);
}
