/*
 * pymalloc's invariant check (spec a.14; CPython checks a few of these with asserts in
 * Py_DEBUG builds, e.g. pool_is_in_list in _PyObject_DebugMallocStats). Walks every arena,
 * pool, free list and list, and throws E_CORRUPT_HEAP on the first broken invariant:
 *
 * - every allocated arena is in the arena map, has the right ntotalpools, a pool-aligned
 *   pool_address inside it, and nfreepools = length of freepools + never-carved pools;
 * - every carved pool names its arena, has a valid szidx, and is in exactly one state:
 *   empty (count 0, on its arena's freepools), full (count = NUMBLOCKS, no free block) or used
 *   (0 < count < NUMBLOCKS, a free block, on the used list of its class);
 * - per pool: nextoffset ≤ maxnextoffset + size; every free-list block is a carved block start
 *   of the pool, not live, seen once; count = live bits in the pool, all at carved block
 *   starts; count + free-list length = carved blocks;
 * - usedpools lists are well formed (back links, head has no prev, no cycle, right class);
 * - usable_arenas is sorted ascending by nfreepools, holds exactly the arenas with a free
 *   pool, and nfp2lasta[k] is its rightmost arena with k free pools;
 * - unused_arena_objects holds exactly the descriptors without an arena;
 * - the live bitmap has no bit outside pools, the arena map matches the arenas, the stats
 *   byte lines sum to narenas · ARENA_SIZE, raw counters are not negative.
 */
import { fail, hexAddr } from '@pyheap/interface';
import type { Pymalloc } from './pymalloc.js';
import { computeStats } from './stats.js';
import {
  ALIGNMENT_SHIFT,
  ARENAINDEX_IDX,
  ARENA_BITS,
  ARENA_SIZE,
  ARENA_SIZE_MASK,
  COUNT_IDX,
  FREEBLOCK_IDX,
  LIVE_WORD_SHIFT,
  MAXNEXTOFFSET_IDX,
  MAX_POOLS_IN_ARENA,
  NB_SMALL_SIZE_CLASSES,
  NEXTOFFSET_IDX,
  NEXTPOOL_IDX,
  NO_ARENA,
  POOL_OVERHEAD,
  POOL_SIZE,
  POOL_SIZE_MASK,
  PREVPOOL_IDX,
  SZIDX_IDX,
  index2size,
  numBlocks,
} from './layout.js';

function corrupt(what: string): never {
  fail('E_CORRUPT_HEAP', `pymalloc: ${what}`);
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function isLive(live: Uint32Array, p: number): boolean {
  const w = p >>> LIVE_WORD_SHIFT;
  return w < live.length && (live[w] & (1 << (p >>> ALIGNMENT_SHIFT))) !== 0;
}

/** Live bits in [from, to), both multiples of 256 bytes (one bitmap word). */
function liveBitsIn(live: Uint32Array, from: number, to: number): number {
  let n = 0;
  const end = Math.min(to >>> LIVE_WORD_SHIFT, live.length);
  for (let w = from >>> LIVE_WORD_SHIFT; w < end; w++) n += popcount(live[w]);
  return n;
}

/** Check one carved pool; returns its count. */
function checkPool(pm: Pymalloc, u32: Uint32Array, pool: number, a: number): number {
  const pi = pool >>> 2;
  const at = `pool ${hexAddr(pool)}`;
  if (u32[pi + ARENAINDEX_IDX] !== a)
    corrupt(`${at} names arena ${u32[pi + ARENAINDEX_IDX]}, lies in ${a}`);
  const szidx = u32[pi + SZIDX_IDX];
  if (szidx >= NB_SMALL_SIZE_CLASSES) corrupt(`${at} has size class ${szidx}`);
  const size = index2size(szidx);
  const nblocks = numBlocks(szidx);
  const nextoffset = u32[pi + NEXTOFFSET_IDX];
  if (u32[pi + MAXNEXTOFFSET_IDX] !== POOL_SIZE - size) corrupt(`${at} maxnextoffset is wrong`);
  if (
    nextoffset < POOL_OVERHEAD + 2 * size ||
    nextoffset > POOL_SIZE ||
    (nextoffset - POOL_OVERHEAD) % size !== 0
  ) {
    corrupt(`${at} nextoffset ${nextoffset} is not a carved-block boundary ≤ maxnextoffset + size`);
  }
  const carved = (nextoffset - POOL_OVERHEAD) / size;
  const live = pm.live;
  let count = 0;
  for (let off = POOL_OVERHEAD; off < nextoffset; off += size)
    if (isLive(live, pool + off)) count++;
  if (liveBitsIn(live, pool, pool + POOL_SIZE) !== count)
    corrupt(`${at} has live bits off its block starts`);
  if (u32[pi + COUNT_IDX] !== count)
    corrupt(`${at} count ${u32[pi + COUNT_IDX]} != ${count} live blocks`);
  const seen = new Set<number>();
  for (let fb = u32[pi + FREEBLOCK_IDX]; fb !== 0; fb = u32[fb >>> 2]) {
    const off = fb - pool;
    if (off < POOL_OVERHEAD || off >= nextoffset || (off - POOL_OVERHEAD) % size !== 0) {
      corrupt(`${at} free list holds ${hexAddr(fb)}, not a carved block of the pool`);
    }
    if (seen.has(fb)) corrupt(`${at} free list has a cycle at ${hexAddr(fb)}`);
    if (isLive(live, fb)) corrupt(`${at} free list holds the live block ${hexAddr(fb)}`);
    seen.add(fb);
  }
  if (count + seen.size !== carved) {
    corrupt(`${at}: ${count} live + ${seen.size} free != ${carved} carved blocks`);
  }
  if (count > 0 && count < nblocks && seen.size === 0)
    corrupt(`${at} is used but has no free block`);
  return count;
}

export function checkPymalloc(pm: Pymalloc, u32: Uint32Array): void {
  const A = pm.arenas;
  const usedExpected = new Set<number>();
  let narenas = 0;
  let liveBlocks = 0;
  for (let a = 0; a < A.maxarenas; a++) {
    const base = A.address[a];
    if (base === 0) continue;
    narenas++;
    const at = `arena ${a} at ${hexAddr(base)}`;
    if (!pm.map.isUsed(base) || !pm.map.isUsed(base + ARENA_SIZE - 1))
      corrupt(`${at} missing from the arena map`);
    const excess = base & POOL_SIZE_MASK;
    const first = excess === 0 ? base : base - excess + POOL_SIZE;
    const ntotal = excess === 0 ? MAX_POOLS_IN_ARENA : MAX_POOLS_IN_ARENA - 1;
    if (A.ntotalpools[a] !== ntotal) corrupt(`${at} ntotalpools ${A.ntotalpools[a]} != ${ntotal}`);
    const pa = A.poolAddress[a];
    const end = first + ntotal * POOL_SIZE;
    if (pa < first || pa > end || (pa - first) % POOL_SIZE !== 0)
      corrupt(`${at} pool_address ${hexAddr(pa)} is wrong`);
    const onFree = new Set<number>();
    for (let pool = A.freepools[a]; pool !== 0; pool = u32[(pool >>> 2) + NEXTPOOL_IDX]) {
      if (pool < first || pool >= pa || (pool - first) % POOL_SIZE !== 0) {
        corrupt(`${at} freepools holds ${hexAddr(pool)}, not a carved pool of the arena`);
      }
      if (onFree.has(pool)) corrupt(`${at} freepools has a cycle`);
      onFree.add(pool);
    }
    if (A.nfreepools[a] !== onFree.size + (end - pa) / POOL_SIZE) {
      corrupt(
        `${at} nfreepools ${A.nfreepools[a]} != ${onFree.size} free + ${(end - pa) / POOL_SIZE} uncarved`,
      );
    }
    for (let pool = first; pool < pa; pool += POOL_SIZE) {
      const count = checkPool(pm, u32, pool, a);
      const nblocks = numBlocks(u32[(pool >>> 2) + SZIDX_IDX]);
      if (count === 0 && !onFree.has(pool))
        corrupt(`empty pool ${hexAddr(pool)} is not on freepools`);
      if (count !== 0 && onFree.has(pool))
        corrupt(`pool ${hexAddr(pool)} on freepools has ${count} blocks`);
      if (count > 0 && count < nblocks) usedExpected.add(pool);
      liveBlocks += count;
    }
  }
  if (narenas !== A.narenasCurrentlyAllocated)
    corrupt(`${narenas} arenas, counter says ${A.narenasCurrentlyAllocated}`);

  // usedpools: each list holds exactly the used pools of its class.
  for (let i = 0; i < NB_SMALL_SIZE_CLASSES; i++) {
    let prev = 0;
    for (let pool = pm.usedpools[i]; pool !== 0; pool = u32[(pool >>> 2) + NEXTPOOL_IDX]) {
      const pi = pool >>> 2;
      if (!usedExpected.has(pool))
        corrupt(`usedpools[${i}] holds ${hexAddr(pool)}, not a used pool (or twice)`);
      usedExpected.delete(pool);
      if (u32[pi + SZIDX_IDX] !== i)
        corrupt(`usedpools[${i}] holds ${hexAddr(pool)} of class ${u32[pi + SZIDX_IDX]}`);
      if (u32[pi + PREVPOOL_IDX] !== prev)
        corrupt(`usedpools[${i}]: ${hexAddr(pool)} has a wrong prevpool`);
      prev = pool;
    }
  }
  for (const pool of usedExpected) corrupt(`used pool ${hexAddr(pool)} is on no usedpools list`);

  // usable_arenas: sorted, complete, with exact fingers.
  const lastWith = new Int32Array(MAX_POOLS_IN_ARENA + 1).fill(NO_ARENA);
  const onUsable = new Set<number>();
  let prev = NO_ARENA;
  let prevNf = 0;
  for (let a = A.usableArenas; a !== NO_ARENA; a = A.nextarena[a]) {
    if (onUsable.has(a) || a >= A.maxarenas)
      corrupt(`usable_arenas has a cycle or a bad index at ${a}`);
    onUsable.add(a);
    const nf = A.nfreepools[a];
    if (A.address[a] === 0) corrupt(`usable_arenas holds descriptor ${a} without an arena`);
    if (A.prevarena[a] !== prev) corrupt(`usable_arenas: arena ${a} has a wrong prevarena`);
    if (nf === 0) corrupt(`usable_arenas holds the full arena ${a}`);
    if (nf < prevNf) corrupt(`usable_arenas is not sorted at arena ${a} (${prevNf} then ${nf})`);
    lastWith[nf] = a;
    prev = a;
    prevNf = nf;
  }
  for (let a = 0; a < A.maxarenas; a++) {
    if (A.address[a] !== 0 && A.nfreepools[a] > 0 && !onUsable.has(a)) {
      corrupt(`arena ${a} has ${A.nfreepools[a]} free pools but is not on usable_arenas`);
    }
  }
  for (let k = 0; k <= MAX_POOLS_IN_ARENA; k++) {
    if (A.nfp2lasta[k] !== lastWith[k])
      corrupt(`nfp2lasta[${k}] = ${A.nfp2lasta[k]}, rightmost is ${lastWith[k]}`);
  }

  // unused_arena_objects: exactly the descriptors without an arena.
  let unused = 0;
  for (let a = A.unusedArenaObjects; a !== NO_ARENA; a = A.nextarena[a]) {
    if (a >= A.maxarenas || ++unused > A.maxarenas)
      corrupt('unused_arena_objects has a cycle or a bad index');
    if (A.address[a] !== 0) corrupt(`unused_arena_objects holds arena ${a} which has an address`);
  }
  if (unused + narenas !== A.maxarenas)
    corrupt(`${unused} unused + ${narenas} arenas != ${A.maxarenas} descriptors`);

  // No live bit outside the pools; the arena map is exactly what the arenas imply.
  if (liveBitsIn(pm.live, 0, pm.live.length << LIVE_WORD_SHIFT) !== liveBlocks) {
    corrupt('the live bitmap has bits outside pymalloc blocks');
  }
  const expected = new Int32Array(pm.map.tails.length);
  for (let a = 0; a < A.maxarenas; a++) {
    const base = A.address[a];
    if (base === 0) continue;
    const i = base >>> ARENA_BITS;
    const t = base & ARENA_SIZE_MASK;
    if (t === 0) expected[2 * i] = -1;
    else {
      expected[2 * i] = t;
      expected[2 * (i + 1) + 1] = t;
    }
  }
  for (let i = 0; i < expected.length; i++) {
    if (expected[i] !== pm.map.tails[i])
      corrupt(`arena map entry ${i >> 1} does not match the arenas`);
  }

  const s = computeStats(pm, u32, 0);
  const sum =
    s.bytesInAllocatedBlocks +
    s.bytesInAvailableBlocks +
    s.bytesInUnusedPools +
    s.bytesLostToPoolHeaders +
    s.bytesLostToQuantization +
    s.bytesLostToArenaAlignment;
  if (sum !== s.arenaBytes) corrupt(`stats lines sum to ${sum}, arenas hold ${s.arenaBytes}`);
  if (pm.rawAllocatedBlocks < 0 || pm.rawAllocatedBytes < 0)
    corrupt('raw block counters went negative');
}
