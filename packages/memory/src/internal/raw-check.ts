/**
 * The RAW allocator's invariant check: walk every chunk block by block, every free list, the
 * state maps and the page table, and throw E_CORRUPT_HEAP at the first broken invariant.
 * Debug/test only: it is linear in the heap size.
 */
import { PAGE_SHIFT, fail, hexAddr, type Memory } from '@pyheap/interface';
import {
  BLOCK_OVERHEAD,
  CHUNK_MAP_SHIFT,
  FREE,
  LEFT_FREE,
  MIN_BLOCK_SIZE,
  STATE_LIVE,
  TAGS_MASK,
  stateIdx,
  stateShift,
} from './raw-layout.js';
import {
  KIND_CHUNK,
  KIND_LARGE,
  KIND_UNUSED,
  PAGE_TOMBSTONE,
  type RegionTable,
} from './region-table.js';
import type { TlsfLists } from './tlsf-lists.js';

/** What the check needs to see of a RawAllocator. */
export interface RawHeapView {
  readonly memory: Memory;
  readonly lists: TlsfLists;
  readonly regions: RegionTable;
  readonly emptyChunk: number;
  readonly emptyFirst: number;
  readonly blocks: number;
  readonly bytesUsed: number;
  readonly footprint: number;
  readonly chunks: number;
  readonly largeBlocks: number;
}

export function checkRawHeap(heap: RawHeapView): void {
  const u32 = heap.memory.u32;
  const regions = heap.regions;
  const freeSeen = new Set<number>();
  let live = 0;
  let liveBytes = 0;
  let footprint = 0;
  let chunks = 0;
  let large = 0;
  let emptyChunks = 0;
  let regionPages = 0;

  for (let id = 0; id < regions.used; id++) {
    const kind = regions.kind[id];
    if (kind === KIND_UNUSED) continue;
    const base = regions.base[id];
    const bytes = regions.bytes[id];
    if (
      base === 0 ||
      base % (1 << PAGE_SHIFT) !== 0 ||
      bytes === 0 ||
      bytes % (1 << PAGE_SHIFT) !== 0
    ) {
      corrupt(`region ${id} malformed (${hexAddr(base)}, ${bytes} bytes)`);
    }
    if (base + bytes > heap.memory.byteLength) corrupt(`region ${id} lies beyond the memory`);
    for (let pg = base >>> PAGE_SHIFT, end = pg + bytes / (1 << PAGE_SHIFT); pg < end; pg++) {
      if (regions.pages[pg] !== id + 1)
        corrupt(`page ${hexAddr(pg << PAGE_SHIFT)} not mapped to region ${id}`);
    }
    regionPages += bytes >>> PAGE_SHIFT;
    footprint += bytes;
    if (kind === KIND_LARGE) {
      if (regions.first[id] !== 0) corrupt(`large region ${id} has a first block`);
      large++;
      live++;
      liveBytes += bytes;
      continue;
    }
    if (kind !== KIND_CHUNK) corrupt(`region ${id} has unknown kind ${kind}`);
    chunks++;
    const liveHere = walkChunk(u32, base, bytes, regions.first[id], freeSeen);
    live += liveHere.live;
    liveBytes += liveHere.liveBytes;
    if (liveHere.live === 0) {
      emptyChunks++;
      if (id !== heap.emptyChunk) corrupt(`chunk ${id} is wholly free but not the kept one`);
      if (heap.emptyFirst !== regions.first[id]) corrupt('kept chunk: wrong first block recorded');
    }
  }

  if (heap.emptyChunk !== -1 && emptyChunks !== 1)
    corrupt('a kept chunk is recorded but none is free');
  let marked = 0;
  for (let pg = 0; pg < regions.pages.length; pg++) {
    const e = regions.pages[pg];
    if (e === 0 || e === PAGE_TOMBSTONE) continue;
    if (e - 1 >= regions.used || regions.kind[e - 1] === KIND_UNUSED)
      corrupt(`page ${pg} names a dead region`);
    marked++;
  }
  if (marked !== regionPages) corrupt(`${marked} pages marked, regions hold ${regionPages}`);
  let unusedSlots = 0;
  for (let id = 0; id < regions.used; id++) if (regions.kind[id] === KIND_UNUSED) unusedSlots++;
  if (unusedSlots !== regions.freeSlotCount()) corrupt('region slot free list out of step');

  const listed = heap.lists.check(u32, (b) => {
    if (!freeSeen.has(b)) corrupt(`listed block ${hexAddr(b)} is not a free block of any chunk`);
  });
  if (listed !== freeSeen.size) corrupt(`${freeSeen.size} free blocks in chunks, ${listed} listed`);

  if (live !== heap.blocks) corrupt(`blocksInUse ${heap.blocks}, heap holds ${live}`);
  if (liveBytes !== heap.bytesUsed)
    corrupt(`bytesInUse ${heap.bytesUsed}, heap holds ${liveBytes}`);
  if (footprint !== heap.footprint)
    corrupt(`footprint ${heap.footprint}, regions hold ${footprint}`);
  if (chunks !== heap.chunks || large !== heap.largeBlocks)
    corrupt('chunk or large-block count off');
}

/**
 * Walk one chunk from its first block to the sentinel: sizes tile the chunk, LEFT_FREE says what
 * the left block is, no two free blocks touch, free blocks end in a back pointer to themselves,
 * and the state map marks LIVE exactly the payloads of the live blocks.
 */
function walkChunk(
  u32: Uint32Array,
  base: number,
  bytes: number,
  first: number,
  freeSeen: Set<number>,
): { live: number; liveBytes: number } {
  const mapBytes = bytes >>> CHUNK_MAP_SHIFT;
  if (first !== base + mapBytes + BLOCK_OVERHEAD)
    corrupt(`chunk ${hexAddr(base)}: first block misplaced`);
  const sentinel = base + bytes - BLOCK_OVERHEAD;
  let live = 0;
  let liveBytes = 0;
  let leftFree = false;
  let b = first;
  while (b < sentinel) {
    const h = u32[b >>> 2];
    const size = h & ~TAGS_MASK;
    if (size < MIN_BLOCK_SIZE || b + size > sentinel)
      corrupt(`block ${hexAddr(b)} has bad size ${size}`);
    if (((h & LEFT_FREE) !== 0) !== leftFree)
      corrupt(`block ${hexAddr(b)}: LEFT_FREE disagrees with its left`);
    const p = b + BLOCK_OVERHEAD;
    const state = (u32[stateIdx(base, p)] >>> stateShift(base, p)) & 3;
    if ((h & FREE) !== 0) {
      if (leftFree) corrupt(`free blocks touch at ${hexAddr(b)} (missed coalescing)`);
      if (u32[(b + size - 4) >>> 2] !== b) corrupt(`free block ${hexAddr(b)}: bad back pointer`);
      if (state === STATE_LIVE) corrupt(`free block ${hexAddr(p)} marked live`);
      freeSeen.add(b);
      leftFree = true;
    } else {
      if (state !== STATE_LIVE) corrupt(`live block ${hexAddr(p)} not marked live`);
      live++;
      liveBytes += size - BLOCK_OVERHEAD;
      leftFree = false;
    }
    b += size;
  }
  if (b !== sentinel) corrupt(`chunk ${hexAddr(base)}: blocks overrun the sentinel`);
  const s = u32[sentinel >>> 2];
  if ((s & ~LEFT_FREE) !== 0) corrupt(`chunk ${hexAddr(base)}: sentinel overwritten`);
  if (((s & LEFT_FREE) !== 0) !== leftFree)
    corrupt(`chunk ${hexAddr(base)}: sentinel LEFT_FREE wrong`);
  // Every LIVE mark belongs to a live block: as many marks as live blocks, and no state 3.
  let marks = 0;
  for (let w = base >>> 2, end = (base + mapBytes) >>> 2; w < end; w++) {
    const x = u32[w];
    if (x === 0) continue;
    if ((x & (x >>> 1) & 0x55555555) !== 0) corrupt(`chunk ${hexAddr(base)}: invalid state in map`);
    marks += popcount(x & ~(x >>> 1) & 0x55555555);
  }
  if (marks !== live)
    corrupt(`chunk ${hexAddr(base)}: ${marks} live marks for ${live} live blocks`);
  return { live, liveBytes };
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

function corrupt(what: string): never {
  fail('E_CORRUPT_HEAP', `RawAllocator: ${what}`);
}
