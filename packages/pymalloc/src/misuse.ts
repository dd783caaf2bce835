/*
 * What is wrong with an address that lies inside an arena but is not a live block
 * (docs/decisions/0005-live-block-bitmap.md). C's pymalloc would push it on a free list and
 * corrupt the heap; we name the mistake instead.
 *
 *   in a pool never carved, in a pool header, or not a block start → E_NOT_ALLOCATED
 *   a block start at or past nextoffset (never carved)            → E_NOT_ALLOCATED
 *   the virgin block waiting at nextoffset − size (pool can carve) → E_NOT_ALLOCATED
 *   any other block start below nextoffset (handed out, freed)     → E_DOUBLE_FREE
 *
 * One case is ambiguous: the last block of a fully carved pool that was never handed out
 * looks exactly like a freed one (both are on the free list with a 0 link) and is reported
 * as a double free. Every block start is classified by the pool's current size class: a pool
 * that became empty and was re-initialised for another class forgets its old block starts.
 */
import { fail, hexAddr, type Addr } from '@pyheap/interface';
import type { ArenaTable } from './arenas.js';
import {
  MAXNEXTOFFSET_IDX,
  NEXTOFFSET_IDX,
  NO_ARENA,
  POOL_OVERHEAD,
  POOL_SIZE_MASK,
  SZIDX_IDX,
  index2size,
} from './layout.js';

/** Throw the code for `p`, an address inside some arena that is not a live block. */
export function notAllocated(arenas: ArenaTable, u32: Uint32Array, op: string, p: Addr): never {
  const where = `${op}: ${hexAddr(p)}`;
  const a = arenas.arenaOf(p);
  const pool = (p & ~POOL_SIZE_MASK) >>> 0;
  if (a === NO_ARENA || pool < arenas.address[a] || pool >= arenas.poolAddress[a]) {
    fail('E_NOT_ALLOCATED', `${where} is in a pool that was never used`);
  }
  const off = p - pool;
  if (off < POOL_OVERHEAD) fail('E_NOT_ALLOCATED', `${where} is inside a pool header`);
  const pi = pool >>> 2;
  const size = index2size(u32[pi + SZIDX_IDX]);
  if ((off - POOL_OVERHEAD) % size !== 0) {
    fail('E_NOT_ALLOCATED', `${where} is not the start of a block (interior address)`);
  }
  const nextoffset = u32[pi + NEXTOFFSET_IDX];
  if (
    off >= nextoffset ||
    (off === nextoffset - size && nextoffset <= u32[pi + MAXNEXTOFFSET_IDX])
  ) {
    fail('E_NOT_ALLOCATED', `${where} was never allocated`);
  }
  fail('E_DOUBLE_FREE', `${where} was already freed (double free)`);
}
