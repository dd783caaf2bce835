import type { Addr } from './addr.js';
import type { Memory } from './memory.js';

/**
 * The allocator contract (DESIGN.md "Allocator"): bytes in, address out, inside one linear
 * memory. Every allocator of pyheap implements it and passes the same allocator test kit.
 *
 * Failure values, common to all allocators:
 * - out of memory (the memory's maximum is reached): malloc/calloc/realloc return 0, and a
 *   failed realloc leaves the old block untouched and still allocated, as C's realloc;
 * - bad input (a size that is not a finite non-negative integer, an address that is foreign,
 *   interior, never allocated or already freed) throws a PyheapError with a stable code and
 *   leaves the heap intact.
 */
export interface Allocator {
  /** Short name used in benchmark tables ("pymalloc", "raw", …). */
  readonly name: string;
  readonly memory: Memory;
  /** Every address returned is a multiple of this. */
  readonly alignment: number;

  /** Allocate `size` bytes (0 allowed: a unique, freeable block). Returns 0 when out of memory. */
  malloc(size: number): Addr;
  /** Allocate `nelem * elsize` zero-filled bytes. Returns 0 when out of memory. */
  calloc(nelem: number, elsize: number): Addr;
  /**
   * Resize the block at `addr` to `size` bytes, keeping its first min(old, new) bytes.
   * `addr` 0 acts as malloc; `size` 0 keeps a valid minimal block (never frees, as CPython).
   */
  realloc(addr: Addr, size: number): Addr;
  /** Free a block. 0 is a no-op. */
  free(addr: Addr): void;
  /** Bytes usable at `addr` (≥ the size asked for). Throws for anything but a live block. */
  usableSize(addr: Addr): number;
  /** True when `addr` is the start of a live block of this allocator. Never throws. */
  owns(addr: Addr): boolean;
  /**
   * Give back to the memory every wholly free arena, chunk or region the allocator keeps for
   * reuse (CPython keeps one empty arena, bpo-37257), as C's malloc_trim. Returns the bytes
   * given back. After freeing every block and calling trim, the footprint is 0.
   */
  trim(): number;
  /** Counters and per-size-class detail where the allocator has them. */
  stats(): AllocatorStats;
  /** Walk every internal structure; throw E_CORRUPT_HEAP on the first broken invariant. */
  check(): void;
}

/** Per size class numbers, as in `sys._debugmallocstats()`. */
export interface SizeClassStats {
  /** Size class index. */
  readonly index: number;
  /** Block size of the class in bytes. */
  readonly blockSize: number;
  /** Pools (or spans) of this class with at least one block in use. */
  readonly pools: number;
  readonly blocksInUse: number;
  /** Free blocks in those pools (blocks per pool × pools − blocks in use). */
  readonly blocksFree: number;
}

export interface AllocatorStats {
  /** Live blocks handed out (every domain the allocator serves). */
  readonly blocksInUse: number;
  /** Usable bytes of the live blocks (block sizes, not requested sizes). */
  readonly bytesInUse: number;
  /** Bytes this allocator holds from its memory right now (arenas + raw regions). */
  readonly footprint: number;
  /** Highest footprint since creation (or since `resetPeak`). */
  readonly peakFootprint: number;
  /** Per size class detail; empty for allocators without size classes. */
  readonly sizeClasses: readonly SizeClassStats[];
}
