/*
 * Circular doubly linked lists threaded through the collector prefix — CPython's gc_list_*
 * helpers (Python/gc.c). Every argument is a PREFIX (or list-head) byte address; `u32` is the
 * memory's current view (these functions never allocate, so a caller's view stays valid).
 *
 * A list head links to itself when empty. gc_prev of a node may carry PREV_FLAGS_MASK bits
 * (COLLECTING), which every helper masks off when following and keeps when relinking, as
 * _PyGCHead_SET_PREV does. gc_next carries no flag outside move_unreachable, where these
 * helpers are not used on the tentative-unreachable list.
 */
import type { Addr } from '@pyheap/interface';
import {
  LINK_FLAGS_MASK as LINK_FLAGS_MASK_,
  PREV_FLAGS_MASK as PREV_FLAGS_MASK_,
} from '../layout.js';

// Module-local copies of the constants the loops read: V8 reloads (and hole-checks) an
// imported binding at every use, a module constant it does not (docs/decisions/0018).
const LINK_FLAGS_MASK = LINK_FLAGS_MASK_;
const PREV_FLAGS_MASK = PREV_FLAGS_MASK_;

const LINK_MASK = ~LINK_FLAGS_MASK;

/** gc_list_init: an empty list. */
export function listInit(u32: Uint32Array, head: Addr): void {
  const h = head >>> 2;
  u32[h] = head;
  u32[h + 1] = head;
}

/** gc_list_is_empty. */
export function listIsEmpty(u32: Uint32Array, head: Addr): boolean {
  return u32[head >>> 2] === head;
}

/** gc_list_append: link `node` (currently in no list) at the tail of `head`. */
export function listAppend(u32: Uint32Array, node: Addr, head: Addr): void {
  const h = head >>> 2;
  const n = node >>> 2;
  const last = u32[h + 1];
  u32[n + 1] = (u32[n + 1] & PREV_FLAGS_MASK) | last;
  u32[last >>> 2] = node;
  u32[n] = head;
  u32[h + 1] = node;
}

/** gc_list_remove: unlink `node`; its gc_next becomes 0 ("not tracked"). Flags of gc_prev stay. */
export function listRemove(u32: Uint32Array, node: Addr): void {
  const n = node >>> 2;
  const prev = u32[n + 1] & LINK_MASK;
  const next = u32[n];
  u32[prev >>> 2] = next;
  const np = (next >>> 2) + 1;
  u32[np] = (u32[np] & PREV_FLAGS_MASK) | prev;
  u32[n] = 0;
}

/** gc_list_move: unlink `node` from whatever list holds it and append it to `head`. */
export function listMove(u32: Uint32Array, node: Addr, head: Addr): void {
  const n = node >>> 2;
  const fromPrev = u32[n + 1] & LINK_MASK;
  const fromNext = u32[n];
  u32[fromPrev >>> 2] = fromNext;
  const np = (fromNext >>> 2) + 1;
  u32[np] = (u32[np] & PREV_FLAGS_MASK) | fromPrev;
  const h = head >>> 2;
  const toPrev = u32[h + 1];
  u32[n + 1] = (u32[n + 1] & PREV_FLAGS_MASK) | toPrev;
  u32[toPrev >>> 2] = node;
  u32[h + 1] = node;
  u32[n] = head;
}

/** gc_list_merge: append all of `from` onto `to`; `from` becomes empty. */
export function listMerge(u32: Uint32Array, from: Addr, to: Addr): void {
  const f = from >>> 2;
  const fromHead = u32[f];
  if (fromHead !== from) {
    const t = to >>> 2;
    const toTail = u32[t + 1];
    const fromTail = u32[f + 1];
    u32[toTail >>> 2] = fromHead;
    const fp = (fromHead >>> 2) + 1;
    u32[fp] = (u32[fp] & PREV_FLAGS_MASK) | toTail;
    u32[fromTail >>> 2] = to;
    u32[t + 1] = fromTail;
  }
  u32[f] = from;
  u32[f + 1] = from;
}

/** gc_list_size: O(n) walk. */
export function listSize(u32: Uint32Array, head: Addr): number {
  let n = 0;
  for (let g = u32[head >>> 2]; g !== head; g = u32[g >>> 2]) n++;
  return n;
}

/** gc_list_clear_collecting: clear COLLECTING on every node of a (normal) list. */
export function listClearCollecting(u32: Uint32Array, head: Addr, collecting: number): void {
  for (let g = u32[head >>> 2]; g !== head; g = u32[g >>> 2]) {
    u32[(g >>> 2) + 1] &= ~collecting;
  }
}
