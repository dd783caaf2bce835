/*
 * check(): walk every list of the collector and throw E_CORRUPT_HEAP on the first broken
 * invariant (CPython's validate_list, made exhaustive):
 * - every link is a multiple of 8 and non-zero, and gc_prev mirrors gc_next;
 * - each list returns to its head within a bound (no stray cycles);
 * - every node is a live GC object (GC type id, refcount > 0) and sits in exactly one list;
 * - generation lists carry no flags; the temporary lists of a collection are empty outside it;
 * - counts, long-lived counters and gc.garbage are sane.
 */
import { TPFLAGS_HAVE_GC, TYPE_ID_MASK, fail, hexAddr, type Addr } from '@pyheap/interface';
import {
  GC_PREFIX_BYTES,
  GC_REFCNT_IDX,
  GC_TYPE_IDX,
  HEAD_PERMANENT,
  LINK_FLAGS_MASK,
  NUM_HEADS,
  PREV_MASK_COLLECTING,
} from '../layout.js';
import type { GcState } from './state.js';

const LIST_NAMES = [
  'generation 0',
  'generation 1',
  'generation 2',
  'permanent generation',
  'unreachable',
  'finalizers',
  'seen',
  'final unreachable',
  'wrcb_to_call',
];

function corrupt(message: string): never {
  fail('E_CORRUPT_HEAP', `generational collector: ${message}`);
}

export function checkState(state: GcState): void {
  for (let i = 0; i < 3; i++) {
    const c = state.counts[i];
    if (!Number.isInteger(c) || c < 0) corrupt(`count of generation ${i} is ${c}`);
  }
  if (state.longLivedPending < 0 || state.longLivedTotal < 0)
    corrupt('negative long-lived counters');
  if (state.heads === 0) return;

  const memory = state.memory;
  const u32 = memory.u32;
  const flags = state.space.typeFlags;
  // A node is at least a prefix plus an object header: 16 bytes.
  const bound = Math.floor(memory.byteLength / 16) + 1;
  const seen = new Set<Addr>();
  for (let h = 0; h < NUM_HEADS; h++) {
    const head = state.head(h);
    const name = LIST_NAMES[h];
    const temporary = h > HEAD_PERMANENT;
    const hi = head >>> 2;
    if ((u32[hi] & LINK_FLAGS_MASK) !== 0 || (u32[hi + 1] & LINK_FLAGS_MASK) !== 0) {
      corrupt(`head of ${name} carries flag bits`);
    }
    if (temporary && !state.collecting && u32[hi] !== head)
      corrupt(`${name} list is not empty between collections`);
    const allowed = temporary ? PREV_MASK_COLLECTING : 0;
    let prev = head;
    let gc = u32[hi];
    let n = 0;
    while (gc !== head) {
      if (gc === 0 || (gc & LINK_FLAGS_MASK) !== 0)
        corrupt(`${name}: bad link ${hexAddr(gc)} after ${hexAddr(prev)}`);
      if (++n > bound) corrupt(`${name} does not return to its head`);
      const gi = gc >>> 2;
      const obj = gc + GC_PREFIX_BYTES;
      const p = u32[gi + 1];
      if ((p & ~allowed & LINK_FLAGS_MASK) !== 0)
        corrupt(`${name}: ${hexAddr(obj)} has flags ${p & LINK_FLAGS_MASK} in gc_prev`);
      if ((p & ~LINK_FLAGS_MASK) !== prev) {
        corrupt(`${name}: gc_prev of ${hexAddr(obj)} is ${hexAddr(p)}, expected ${hexAddr(prev)}`);
      }
      if (seen.has(gc)) corrupt(`${hexAddr(obj)} is linked twice (${name})`);
      seen.add(gc);
      if ((flags[u32[gi + GC_TYPE_IDX] & TYPE_ID_MASK] & TPFLAGS_HAVE_GC) === 0) {
        corrupt(`${name}: ${hexAddr(obj)} is not a live GC object`);
      }
      if (u32[gi + GC_REFCNT_IDX] === 0)
        corrupt(`${name}: tracked object ${hexAddr(obj)} has refcount 0`);
      prev = gc;
      gc = u32[gi];
    }
    if (u32[hi + 1] !== prev) corrupt(`${name}: head's gc_prev is not the last node`);
  }
  for (const obj of state.garbage) {
    if (u32[obj >>> 2] === 0) corrupt(`gc.garbage holds ${hexAddr(obj)} with refcount 0`);
  }
}
