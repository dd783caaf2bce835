/*
 * Statistics of pymalloc, as sys._debugmallocstats() computes and prints them
 * (CPython Objects/obmalloc.c, _PyObject_DebugMallocStats and printone; spec a.13).
 *
 * Full pools are on no list, so the walk visits every carved pool of every arena. The byte
 * accounting lines sum exactly to narenas · ARENA_SIZE:
 *   allocated blocks + available blocks + unused pools + pool headers + quantization
 *   + arena alignment = narenas · ARENA_SIZE.
 */
import type { AllocatorStats, SizeClassStats } from '@pyheap/interface';
import type { Pymalloc } from './pymalloc.js';
import {
  ARENA_SIZE,
  COUNT_IDX,
  NB_SMALL_SIZE_CLASSES,
  POOL_OVERHEAD,
  POOL_SIZE,
  POOL_SIZE_MASK,
  SMALL_REQUEST_THRESHOLD,
  SZIDX_IDX,
  index2size,
  numBlocks,
} from './layout.js';

export interface PymallocStats extends AllocatorStats {
  /** 512: the largest request served from size classes. */
  readonly smallRequestThreshold: number;
  /** 64 size classes of 8 bytes. */
  readonly numSizeClasses: number;
  readonly poolSize: number;
  readonly arenaSize: number;
  /** Arenas ever created (CPython's ntimes_arena_allocated). */
  readonly arenasAllocatedTotal: number;
  /** Arenas given back to the memory (total − current). */
  readonly arenasReclaimed: number;
  /** Most arenas held at once. */
  readonly arenasHighwater: number;
  /** Arenas held now. */
  readonly arenasCurrent: number;
  /** narenas · ARENA_SIZE: what the byte lines below add up to. */
  readonly arenaBytes: number;
  /** Blocks of the RAW domain handed out through this allocator (raw_allocated_blocks). */
  readonly rawBlocks: number;
  /** Usable bytes of those raw blocks. */
  readonly rawBytes: number;
  /** Bytes in pymalloc blocks in use. */
  readonly bytesInAllocatedBlocks: number;
  /** Bytes in free blocks of pools that have at least one block in use. */
  readonly bytesInAvailableBlocks: number;
  /** Empty pools plus never carved pools (sum of nfreepools). */
  readonly unusedPools: number;
  readonly bytesInUnusedPools: number;
  /** POOL_OVERHEAD per pool with at least one block in use. */
  readonly bytesLostToPoolHeaders: number;
  /** (POOL_SIZE − POOL_OVERHEAD) mod block size, per pool with at least one block in use. */
  readonly bytesLostToQuantization: number;
  /** One POOL_SIZE per arena whose base is not pool-aligned (0 here: we ask for alignment). */
  readonly bytesLostToArenaAlignment: number;
  /** Rows for the classes that have at least one pool in use, ascending. */
  readonly sizeClasses: readonly SizeClassStats[];
}

/** Walk every arena and carved pool (`u32` must be the memory's current view). */
export function computeStats(pm: Pymalloc, u32: Uint32Array, peakFootprint: number): PymallocStats {
  const A = pm.arenas;
  const numpools = new Array<number>(NB_SMALL_SIZE_CLASSES).fill(0);
  const numblocks = new Array<number>(NB_SMALL_SIZE_CLASSES).fill(0);
  const numfree = new Array<number>(NB_SMALL_SIZE_CLASSES).fill(0);
  let narenas = 0;
  let unusedPools = 0;
  let alignment = 0;
  for (let a = 0; a < A.maxarenas; a++) {
    let base = A.address[a];
    if (base === 0) continue;
    narenas++;
    unusedPools += A.nfreepools[a];
    if ((base & POOL_SIZE_MASK) !== 0) {
      alignment += POOL_SIZE;
      base = base - (base & POOL_SIZE_MASK) + POOL_SIZE;
    }
    for (let pool = base; pool < A.poolAddress[a]; pool += POOL_SIZE) {
      const count = u32[(pool >>> 2) + COUNT_IDX];
      if (count === 0) continue; // empty: on its arena's freepools, counted as unused
      const sz = u32[(pool >>> 2) + SZIDX_IDX];
      numpools[sz]++;
      numblocks[sz] += count;
      numfree[sz] += numBlocks(sz) - count;
    }
  }
  const sizeClasses: SizeClassStats[] = [];
  let allocated = 0;
  let available = 0;
  let headers = 0;
  let quantization = 0;
  let blocks = 0;
  for (let i = 0; i < NB_SMALL_SIZE_CLASSES; i++) {
    const p = numpools[i];
    if (p === 0) continue;
    const size = index2size(i);
    sizeClasses.push({
      index: i,
      blockSize: size,
      pools: p,
      blocksInUse: numblocks[i],
      blocksFree: numfree[i],
    });
    blocks += numblocks[i];
    allocated += numblocks[i] * size;
    available += numfree[i] * size;
    headers += p * POOL_OVERHEAD;
    quantization += p * ((POOL_SIZE - POOL_OVERHEAD) % size);
  }
  const arenaBytes = narenas * ARENA_SIZE;
  return {
    blocksInUse: blocks + pm.rawAllocatedBlocks,
    bytesInUse: allocated + pm.rawAllocatedBytes,
    footprint: arenaBytes + pm.raw.stats().footprint,
    peakFootprint,
    smallRequestThreshold: SMALL_REQUEST_THRESHOLD,
    numSizeClasses: NB_SMALL_SIZE_CLASSES,
    poolSize: POOL_SIZE,
    arenaSize: ARENA_SIZE,
    arenasAllocatedTotal: A.ntimesArenaAllocated,
    arenasReclaimed: A.ntimesArenaAllocated - narenas,
    arenasHighwater: A.narenasHighwater,
    arenasCurrent: narenas,
    arenaBytes,
    rawBlocks: pm.rawAllocatedBlocks,
    rawBytes: pm.rawAllocatedBytes,
    bytesInAllocatedBlocks: allocated,
    bytesInAvailableBlocks: available,
    unusedPools,
    bytesInUnusedPools: unusedPools * POOL_SIZE,
    bytesLostToPoolHeaders: headers,
    bytesLostToQuantization: quantization,
    bytesLostToArenaAlignment: alignment,
    sizeClasses,
  };
}

/** printone: the label padded to 35 columns, '=', the value right-aligned in 21 with commas. */
export function printone(label: string, value: number): string {
  const digits = String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${label.padEnd(35)}=${digits.padStart(21)}\n`;
}

/**
 * The pymalloc section of sys._debugmallocstats(), line for line; then the arena map as on a
 * 32-bit build (one level, no interior nodes), then our live-block bitmap (not in CPython).
 */
export function formatDebugMallocStats(
  s: PymallocStats,
  mapBytes: number,
  liveBytes: number,
): string {
  let out = `Small block threshold = ${s.smallRequestThreshold}, in ${s.numSizeClasses} size classes.\n`;
  out += '\n';
  out += 'class   size   num pools   blocks in use  avail blocks\n';
  out += '-----   ----   ---------   -------------  ------------\n';
  for (const c of s.sizeClasses) {
    out +=
      `${String(c.index).padStart(5)} ${String(c.blockSize).padStart(6)} ${String(c.pools).padStart(11)} ` +
      `${String(c.blocksInUse).padStart(15)} ${String(c.blocksFree).padStart(13)}\n`;
  }
  out += '\n';
  out += printone('# arenas allocated total', s.arenasAllocatedTotal);
  out += printone('# arenas reclaimed', s.arenasReclaimed);
  out += printone('# arenas highwater mark', s.arenasHighwater);
  out += printone('# arenas allocated current', s.arenasCurrent);
  out += printone(`${s.arenasCurrent} arenas * ${s.arenaSize} bytes/arena`, s.arenaBytes);
  out += '\n';
  let total = 0;
  const line = (label: string, value: number): void => {
    total += value;
    out += printone(label, value);
  };
  line('# bytes in allocated blocks', s.bytesInAllocatedBlocks);
  line('# bytes in available blocks', s.bytesInAvailableBlocks);
  line(`${s.unusedPools} unused pools * ${s.poolSize} bytes`, s.bytesInUnusedPools);
  line('# bytes lost to pool headers', s.bytesLostToPoolHeaders);
  line('# bytes lost to quantization', s.bytesLostToQuantization);
  line('# bytes lost to arena alignment', s.bytesLostToArenaAlignment);
  out += printone('Total', total);
  out += '\narena map counts\n';
  out += printone('# bytes lost to arena map root', mapBytes);
  out += '\nlive block bitmap\n';
  out += printone('# bytes lost to live block bitmap', liveBytes);
  return out;
}
