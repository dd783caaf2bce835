/**
 * ObjectHeap.check(): walk the heap's own structures and throw E_CORRUPT_HEAP on the first
 * broken invariant. Without debug mode the heap keeps no object list, so the walk covers the
 * counters and the weakref side tables; in debug mode it covers every live object too.
 */
import {
  IMMORTAL_REFCNT,
  OBF_HAS_WEAKREFS,
  OB_TYPE_IDX,
  TPFLAGS_HAVE_GC,
  TPFLAGS_WEAKREFABLE,
  TYPE_ID_MASK,
  fail,
  hexAddr,
  type Addr,
} from '@pyheap/interface';
import { WRF_CALLBACK, WR_FLAGS_IDX, WR_OBJECT_IDX } from './layout.js';
import type { ObjectHeap } from './object-heap.js';
import type { TypeRegistry } from './type-registry.js';
import type { WeakrefTable } from './weakref-table.js';

export interface HeapCheckInput {
  heap: ObjectHeap;
  u32: Uint32Array;
  types: TypeRegistry<ObjectHeap>;
  weakrefs: WeakrefTable;
  live: Set<Addr> | null;
  freed: Set<Addr> | null;
  allocated: number;
  deallocated: number;
  liveGc: number;
  /** A deallocation is running (check() called from a finalizer or callback). */
  busy: boolean;
  workStack: number;
}

function corrupt(what: string): never {
  fail('E_CORRUPT_HEAP', `ObjectHeap: ${what}`);
}

export function checkObjectHeap(h: HeapCheckInput): void {
  const { heap, u32, types, weakrefs, live } = h;
  const liveCount = h.allocated - h.deallocated;
  if (liveCount < 0)
    corrupt(`more objects freed (${h.deallocated}) than allocated (${h.allocated})`);
  if (h.liveGc < 0 || h.liveGc > liveCount)
    corrupt(`live GC objects ${h.liveGc} outside 0..${liveCount}`);
  if (!h.busy && h.workStack !== 0) corrupt(`${h.workStack} deallocation frames left over`);

  /** A plausible live object: aligned, inside the heap, registered type, refcount > 0. */
  const object = (obj: Addr, what: string): number => {
    if ((obj & 0xfffffff8) >>> 0 !== obj || obj === 0 || (obj >>> 2) + 2 > u32.length) {
      corrupt(`${what} ${hexAddr(obj)} is not an object address`);
    }
    if (live !== null && !live.has(obj)) corrupt(`${what} ${hexAddr(obj)} is not a live object`);
    const t = u32[(obj >>> 2) + OB_TYPE_IDX] & TYPE_ID_MASK;
    if (t === 0 || t >= types.count)
      corrupt(`${what} ${hexAddr(obj)} has no valid type (${t}): freed?`);
    if (u32[obj >>> 2] === 0 && !h.busy) corrupt(`${what} ${heap.describe(obj)} has refcount 0`);
    return t;
  };

  // Weakref lists: each referent flagged and weakrefable; each weakref points back at it,
  // sits in one list only, and only the first may be callback-less.
  const seen = new Set<Addr>();
  for (const [referent, list] of weakrefs.lists) {
    const t = object(referent, 'weakref referent');
    if ((types.flags[t] & TPFLAGS_WEAKREFABLE) === 0)
      corrupt(`referent ${heap.describe(referent)} is not weakrefable`);
    if ((u32[(referent >>> 2) + OB_TYPE_IDX] & OBF_HAS_WEAKREFS) === 0) {
      corrupt(`${heap.describe(referent)} has weakrefs but no OBF_HAS_WEAKREFS`);
    }
    if (list.length === 0) corrupt(`empty weakref list for ${heap.describe(referent)}`);
    for (let k = 0; k < list.length; k++) {
      const wr = list[k];
      if (object(wr, 'weakref') !== heap.weakrefType)
        corrupt(`${heap.describe(wr)} in a weakref list`);
      if (seen.has(wr)) corrupt(`weakref ${hexAddr(wr)} linked twice`);
      seen.add(wr);
      const w = wr >>> 2;
      if (u32[w + WR_OBJECT_IDX] !== referent)
        corrupt(`weakref ${hexAddr(wr)} does not point at ${hexAddr(referent)}`);
      const hasCb = (u32[w + WR_FLAGS_IDX] & WRF_CALLBACK) !== 0;
      if (!hasCb && k > 0) corrupt(`callback-less weakref ${hexAddr(wr)} is not first in its list`);
      if (hasCb !== weakrefs.callbacks.has(wr))
        corrupt(`weakref ${hexAddr(wr)} callback table out of step`);
    }
  }
  for (const wr of weakrefs.callbacks.keys()) {
    if (object(wr, 'weakref with callback') !== heap.weakrefType)
      corrupt(`callback kept for non-weakref ${hexAddr(wr)}`);
    if (u32[(wr >>> 2) + WR_OBJECT_IDX] !== 0 && !seen.has(wr))
      corrupt(`weakref ${hexAddr(wr)} alive but unlinked`);
  }

  if (live === null) return;
  // Debug mode: every live object.
  if (live.size !== liveCount)
    corrupt(`${live.size} live objects known, counters say ${liveCount}`);
  let gc = 0;
  for (const obj of live) {
    const t = object(obj, 'object');
    if (h.freed!.has(obj)) corrupt(`${hexAddr(obj)} both live and freed`);
    const isGc = (types.flags[t] & TPFLAGS_HAVE_GC) !== 0;
    if (isGc) gc++;
    const block = isGc ? obj - heap.prefixBytes : obj;
    if (!heap.allocator.owns(block))
      corrupt(`block ${hexAddr(block)} of ${heap.describe(obj)} is not allocated`);
    const flagged = (u32[(obj >>> 2) + OB_TYPE_IDX] & OBF_HAS_WEAKREFS) !== 0;
    if (flagged !== weakrefs.lists.has(obj))
      corrupt(`OBF_HAS_WEAKREFS of ${heap.describe(obj)} out of step`);
    if (u32[obj >>> 2] > IMMORTAL_REFCNT)
      corrupt(`refcount of ${heap.describe(obj)} above IMMORTAL_REFCNT`);
  }
  if (gc !== h.liveGc) corrupt(`${gc} live GC objects found, counter says ${h.liveGc}`);
}
