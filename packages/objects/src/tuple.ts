/**
 * tuple (Objects/tupleobject.c): an immutable, variable-size GC container whose items are
 * reference slots inside the object (layout.ts), so the refcount core drops them itself.
 *
 * Tracking (spec c.2): every tuple but the empty one is tracked at creation (PyTuple_New),
 * and the collector untracks it lazily (TPFLAGS_UNTRACK_TUPLE) once `tupleMayUntrack` says
 * none of its items may be tracked. A 0 item marks a tuple under construction (`alloc` +
 * `init`); such a tuple is never untracked and traversal skips the hole.
 */
import { OB_SIZE_IDX as OB_SIZE_IDX_, fail, type Addr } from '@pyheap/interface';
import { KIND_TUPLE as KIND_TUPLE_, type Core } from './internal/core.js';
import { TUPLE_ITEMS_IDX as TUPLE_ITEMS_IDX_ } from './layout.js';

// Module-local copies of the constants the loops read: V8 reloads (and hole-checks) an
// imported binding at every use, a module constant it does not (docs/decisions/0006).
const OB_SIZE_IDX = OB_SIZE_IDX_;
const KIND_TUPLE = KIND_TUPLE_;
const TUPLE_ITEMS_IDX = TUPLE_ITEMS_IDX_;

/** rt.tuple */
export class TupleApi {
  constructor(private readonly core: Core) {}

  /**
   * NEW reference to a tuple of `items` (borrowed, increfed), tracked. The empty tuple is an
   * immortal singleton. Returns 0 when out of memory.
   */
  new(items: readonly Addr[]): Addr {
    const core = this.core;
    if (!Array.isArray(items)) fail('E_TYPE_ERROR', 'tuple.new: items must be an array of objects');
    const n = items.length;
    if (n === 0) return core.emptyTuple;
    for (let k = 0; k < n; k++) core.checkObj(items[k], 'tuple.new item');
    const t = core.heap.alloc(core.tTuple, n);
    if (t === 0) return 0;
    const u32 = core.heap.u32;
    const base = (t >>> 2) + TUPLE_ITEMS_IDX;
    for (let k = 0; k < n; k++) {
      u32[base + k] = items[k];
      core.heap.incref(items[k]);
    }
    core.heap.track(t);
    return t;
  }

  /**
   * PyTuple_New(n): NEW reference to a tracked tuple whose `n` items are still 0; fill each
   * exactly once with `init`. Returns 0 when out of memory.
   */
  alloc(n: number): Addr {
    const core = this.core;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      fail('E_INVALID_SIZE', `tuple.alloc: size must be a non-negative integer, got ${String(n)}`);
    }
    if (n === 0) return core.emptyTuple;
    const t = core.heap.alloc(core.tTuple, n);
    if (t === 0) return 0;
    core.heap.track(t);
    return t;
  }

  /**
   * PyTuple_SET_ITEM on a fresh tuple: STEALS `item` into the empty position `i`.
   * E_INDEX_ERROR out of range, E_VALUE_ERROR if the position is already filled (tuples are
   * immutable once built).
   */
  init(t: Addr, i: number, item: Addr): void {
    const core = this.core;
    this.expect(t, 'tuple.init');
    core.checkObj(item, 'tuple.init item');
    const u32 = core.heap.u32;
    const n = u32[(t >>> 2) + OB_SIZE_IDX];
    const at = core.checkIndex(i, 'tuple');
    if (!(at >= 0 && at < n)) fail('E_INDEX_ERROR', 'tuple assignment index out of range');
    const slot = (t >>> 2) + TUPLE_ITEMS_IDX + at;
    if (u32[slot] !== 0) fail('E_VALUE_ERROR', "'tuple' object does not support item assignment");
    u32[slot] = item;
  }

  /** t[i], BORROWED (negative i counts from the end). E_INDEX_ERROR "tuple index out of range". */
  get(t: Addr, i: number): Addr {
    const core = this.core;
    this.expect(t, 'tuple.get');
    const u32 = core.heap.u32;
    const n = u32[(t >>> 2) + OB_SIZE_IDX];
    let at = core.checkIndex(i, 'tuple');
    if (at < 0) at += n;
    if (!(at >= 0 && at < n)) fail('E_INDEX_ERROR', 'tuple index out of range');
    const item = u32[(t >>> 2) + TUPLE_ITEMS_IDX + at];
    if (item === 0) fail('E_VALUE_ERROR', 'tuple item not initialised yet');
    return item;
  }

  len(t: Addr): number {
    this.expect(t, 'tuple.len');
    return this.core.heap.u32[(t >>> 2) + OB_SIZE_IDX];
  }

  /** The items as a JS array, BORROWED. */
  items(t: Addr): Addr[] {
    this.expect(t, 'tuple.items');
    const u32 = this.core.heap.u32;
    const base = (t >>> 2) + TUPLE_ITEMS_IDX;
    return Array.from(u32.subarray(base, base + u32[(t >>> 2) + OB_SIZE_IDX]));
  }

  check(obj: Addr): boolean {
    return obj !== 0 && this.core.kindOf(obj) === KIND_TUPLE;
  }

  private expect(t: Addr, what: string): void {
    if (t === 0 || this.core.kindOf(t) !== KIND_TUPLE) this.core.wrongType(what, 'tuple', t);
  }
}

/**
 * _PyTuple_MaybeUntrack's test: true when every item is present and none may be tracked
 * (a nested tuple counts only while it is itself tracked, so a nest untracks from the inside
 * out over several collections, as in CPython).
 */
export function tupleMayUntrack(core: Core, t: Addr): boolean {
  const n = core.heap.u32[(t >>> 2) + OB_SIZE_IDX];
  const base = (t >>> 2) + TUPLE_ITEMS_IDX;
  for (let k = 0; k < n; k++) {
    const item = core.heap.u32[base + k];
    if (item === 0 || core.mayBeTracked(item)) return false;
  }
  return true;
}
