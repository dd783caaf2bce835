/**
 * list (Objects/listobject.c): a GC container whose items live in a separate growable block
 * from the allocator (layout.ts). Growth and shrink follow CPython's list_resize: no realloc
 * while the new size is between half the allocation and the allocation; otherwise allocate
 * newsize + newsize/8 + 6 rounded down to a multiple of 4 (the pattern 0, 4, 8, 16, 24, 32,
 * 40, 52, 64, 76, …), or exactly the new size rounded up to 4 when that is closer.
 *
 * Reference rules (CPython's C API): arguments are borrowed and increfed when stored;
 * `get` returns a borrowed item; `pop` returns the list's reference to the caller (NEW).
 * Every decref happens after the list is consistent again, because a decref can run a
 * finalizer that looks at (or changes) this very list. Out of memory: constructors return
 * 0 and mutators return false, with the list and every refcount unchanged.
 */
import { fail, type Addr } from '@pyheap/interface';
import { KIND_LIST as KIND_LIST_, type Core } from './internal/core.js';
import {
  LIST_ALLOCATED_IDX as LIST_ALLOCATED_IDX_,
  LIST_ITEMS_IDX as LIST_ITEMS_IDX_,
  LIST_SIZE_IDX as LIST_SIZE_IDX_,
} from './layout.js';

// Module-local copies of the constants the loops read: V8 reloads (and hole-checks) an
// imported binding at every use, a module constant it does not (docs/decisions/0006).
const KIND_LIST = KIND_LIST_;
const LIST_ALLOCATED_IDX = LIST_ALLOCATED_IDX_;
const LIST_ITEMS_IDX = LIST_ITEMS_IDX_;
const LIST_SIZE_IDX = LIST_SIZE_IDX_;

/** rt.list */
export class ListApi {
  constructor(private readonly core: Core) {}

  /** NEW reference to a list holding `items` (borrowed, increfed); 0 when out of memory. */
  new(items?: readonly Addr[]): Addr {
    const core = this.core;
    if (items !== undefined && !Array.isArray(items))
      fail('E_TYPE_ERROR', 'list.new: items must be an array of objects');
    const n = items === undefined ? 0 : items.length;
    for (let k = 0; k < n; k++) core.checkObj(items![k], 'list.new item');
    const l = core.heap.alloc(core.tList);
    if (l === 0) return 0;
    if (n > 0) {
      // PyList_New(n): an exact allocation, no over-allocation.
      const block = core.heap.allocator.malloc(n * 4);
      if (block === 0) {
        core.heap.decref(l);
        return 0;
      }
      const u32 = core.heap.u32;
      const li = l >>> 2;
      u32[li + LIST_ITEMS_IDX] = block;
      u32[li + LIST_ALLOCATED_IDX] = n;
      u32[li + LIST_SIZE_IDX] = n;
      for (let k = 0; k < n; k++) {
        u32[(block >>> 2) + k] = items![k];
        core.heap.incref(items![k]);
      }
    }
    core.heap.track(l);
    return l;
  }

  check(obj: Addr): boolean {
    return obj !== 0 && this.core.kindOf(obj) === KIND_LIST;
  }

  len(l: Addr): number {
    this.expect(l, 'list.len');
    return this.core.heap.u32[(l >>> 2) + LIST_SIZE_IDX];
  }

  /** Slots allocated in the item block (list.__sizeof__'s view of over-allocation). */
  allocated(l: Addr): number {
    this.expect(l, 'list.allocated');
    return this.core.heap.u32[(l >>> 2) + LIST_ALLOCATED_IDX];
  }

  /** l[i], BORROWED. Negative i counts from the end. E_INDEX_ERROR "list index out of range". */
  get(l: Addr, i: number): Addr {
    this.expect(l, 'list.get');
    const u32 = this.core.heap.u32;
    const n = u32[(l >>> 2) + LIST_SIZE_IDX];
    let at = this.core.checkIndex(i, 'list');
    if (at < 0) at += n;
    if (!(at >= 0 && at < n)) fail('E_INDEX_ERROR', 'list index out of range');
    return u32[(u32[(l >>> 2) + LIST_ITEMS_IDX] >>> 2) + at];
  }

  /** l[i] = x (x borrowed). E_INDEX_ERROR "list assignment index out of range". */
  set(l: Addr, i: number, x: Addr): void {
    const core = this.core;
    this.expect(l, 'list.set');
    core.checkObj(x, 'list.set value');
    const u32 = core.heap.u32;
    const n = u32[(l >>> 2) + LIST_SIZE_IDX];
    let at = core.checkIndex(i, 'list');
    if (at < 0) at += n;
    if (!(at >= 0 && at < n)) fail('E_INDEX_ERROR', 'list assignment index out of range');
    const slot = (u32[(l >>> 2) + LIST_ITEMS_IDX] >>> 2) + at;
    const old = u32[slot];
    core.heap.incref(x);
    u32[slot] = x;
    core.heap.decref(old);
  }

  /** l.append(x) (x borrowed). False when out of memory (nothing changed). */
  append(l: Addr, x: Addr): boolean {
    const core = this.core;
    this.expect(l, 'list.append');
    core.checkObj(x, 'list.append value');
    let u32 = core.heap.u32;
    const li = l >>> 2;
    const n = u32[li + LIST_SIZE_IDX];
    if (n < u32[li + LIST_ALLOCATED_IDX]) {
      u32[li + LIST_SIZE_IDX] = n + 1;
    } else {
      if (!this.resize(l, n + 1)) return false;
      u32 = core.heap.u32;
    }
    u32[(u32[li + LIST_ITEMS_IDX] >>> 2) + n] = x;
    core.heap.incref(x);
    return true;
  }

  /** l.insert(i, x) (x borrowed; i clamped as Python does). False when out of memory. */
  insert(l: Addr, i: number, x: Addr): boolean {
    const core = this.core;
    this.expect(l, 'list.insert');
    core.checkObj(x, 'list.insert value');
    let where = core.checkIndex(i, 'list');
    const n = core.heap.u32[(l >>> 2) + LIST_SIZE_IDX];
    if (!this.resize(l, n + 1)) return false;
    if (where < 0) {
      where += n;
      if (where < 0) where = 0;
    }
    if (where > n) where = n;
    const u32 = core.heap.u32;
    const base = u32[(l >>> 2) + LIST_ITEMS_IDX] >>> 2;
    u32.copyWithin(base + where + 1, base + where, base + n);
    u32[base + where] = x;
    core.heap.incref(x);
    return true;
  }

  /**
   * l.pop(i=-1): NEW reference (the list's). E_INDEX_ERROR "pop from empty list" /
   * "pop index out of range". The item block shrinks as list_resize decides.
   */
  pop(l: Addr, i = -1): Addr {
    const core = this.core;
    this.expect(l, 'list.pop');
    const u32 = core.heap.u32;
    const n = u32[(l >>> 2) + LIST_SIZE_IDX];
    let at = core.checkIndex(i, 'list');
    if (n === 0) fail('E_INDEX_ERROR', 'pop from empty list');
    if (at < 0) at += n;
    if (!(at >= 0 && at < n)) fail('E_INDEX_ERROR', 'pop index out of range');
    const base = u32[(l >>> 2) + LIST_ITEMS_IDX] >>> 2;
    const v = u32[base + at];
    u32.copyWithin(base + at, base + at + 1, base + n);
    this.resize(l, n - 1); // shrinking never fails (keeps the block if realloc cannot move it)
    return v;
  }

  /** del l[i]. E_INDEX_ERROR "list assignment index out of range". */
  delete(l: Addr, i: number): void {
    const v = this.popChecked(l, i, 'list.delete');
    this.core.heap.decref(v);
  }

  private popChecked(l: Addr, i: number, what: string): Addr {
    this.expect(l, what);
    const u32 = this.core.heap.u32;
    const n = u32[(l >>> 2) + LIST_SIZE_IDX];
    let at = this.core.checkIndex(i, 'list');
    if (at < 0) at += n;
    if (!(at >= 0 && at < n)) fail('E_INDEX_ERROR', 'list assignment index out of range');
    return this.pop(l, at);
  }

  /** l.clear(): drop every item (last to first, as list_clear); frees the item block. */
  clear(l: Addr): void {
    this.expect(l, 'list.clear');
    listClear(this.core, l);
  }

  /** A JS array of the items, BORROWED (valid while the list is unchanged). */
  items(l: Addr): Addr[] {
    this.expect(l, 'list.items');
    const u32 = this.core.heap.u32;
    const n = u32[(l >>> 2) + LIST_SIZE_IDX];
    const base = u32[(l >>> 2) + LIST_ITEMS_IDX] >>> 2;
    return Array.from(u32.subarray(base, base + n));
  }

  /**
   * list_resize: make room for `newsize` items and set ob_size. Returns false when growing
   * and out of memory (then nothing changed). Shrinking always succeeds.
   */
  private resize(l: Addr, newsize: number): boolean {
    const core = this.core;
    let u32 = core.heap.u32;
    const li = l >>> 2;
    const allocated = u32[li + LIST_ALLOCATED_IDX];
    const size = u32[li + LIST_SIZE_IDX];
    if (allocated >= newsize && newsize >= allocated >>> 1) {
      u32[li + LIST_SIZE_IDX] = newsize;
      return true;
    }
    let newAllocated = (newsize + (newsize >>> 3) + 6) & ~3;
    // Do not over-allocate when the new size is closer to that than to the old size.
    if (newsize - size > newAllocated - newsize) newAllocated = (newsize + 3) & ~3;
    const items = u32[li + LIST_ITEMS_IDX];
    if (newsize === 0) {
      u32[li + LIST_ITEMS_IDX] = 0;
      u32[li + LIST_ALLOCATED_IDX] = 0;
      u32[li + LIST_SIZE_IDX] = 0;
      if (items !== 0) core.heap.allocator.free(items);
      return true;
    }
    const block = core.heap.allocator.realloc(items, newAllocated * 4);
    u32 = core.heap.u32;
    if (block === 0) {
      if (newsize > allocated) return false;
      u32[li + LIST_SIZE_IDX] = newsize;
      return true;
    }
    u32[li + LIST_ITEMS_IDX] = block;
    u32[li + LIST_ALLOCATED_IDX] = newAllocated;
    u32[li + LIST_SIZE_IDX] = newsize;
    return true;
  }

  private expect(l: Addr, what: string): void {
    if (l === 0 || this.core.kindOf(l) !== KIND_LIST) this.core.wrongType(what, 'list', l);
  }
}

/**
 * _list_clear (tp_clear, and tp_dealloc's reference dropping): detach the item block first so
 * that code run by the decrefs sees an empty list, then decref last to first, then free the
 * block. The memory view is read again after every decref (a finalizer may allocate).
 */
export function listClear(core: Core, l: Addr): void {
  const heap = core.heap;
  let u32 = heap.u32;
  const li = l >>> 2;
  const items = u32[li + LIST_ITEMS_IDX];
  if (items === 0) return;
  let k = u32[li + LIST_SIZE_IDX];
  u32[li + LIST_SIZE_IDX] = 0;
  u32[li + LIST_ITEMS_IDX] = 0;
  u32[li + LIST_ALLOCATED_IDX] = 0;
  const base = items >>> 2;
  while (--k >= 0) {
    const item = u32[base + k];
    if (item !== 0) {
      heap.decref(item);
      u32 = heap.u32;
    }
  }
  heap.allocator.free(items);
}
