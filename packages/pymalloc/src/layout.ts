/*
 * pymalloc's geometry for 32-bit addresses: size classes, pools, arenas and the pool header,
 * after CPython's Objects/obmalloc.c and Include/internal/pycore_obmalloc.h (32-bit column of
 * spec a.2). Pool and arena sizes are our choice: docs/decisions/0004-pymalloc-sizes.md.
 *
 * An arena is one region mapped from the linear memory (the "OS"), cut into pools; a pool
 * serves blocks of a single size class.
 *
 *   arena = memory.mapRegion(ARENA_SIZE, POOL_SIZE)      (POOL_SIZE-aligned: no pool is lost)
 *   address                                                             address + ARENA_SIZE
 *   ├─────────┬─────────┬─────────┬─────────────────────┬─────────────────────────────────┤
 *   │ pool 0  │ pool 1  │ pool 2  │ …  carved pools     │  never carved (virgin) pools     │
 *   └─────────┴─────────┴─────────┴─────────────────────┴─────────────────────────────────┘
 *                                                       ▲ pool_address: next pool to carve
 *
 *   pool (POOL_SIZE bytes, POOL_SIZE-aligned; class szidx, block size s = (szidx+1)·8)
 *   pool                pool+POOL_OVERHEAD                pool+nextoffset     pool+POOL_SIZE
 *   ├───────────────────┼────────┬────────┬─────┬────────┼────────────────┬─────┤
 *   │ pool header (32B) │ block  │ block  │  …  │ block  │ never carved   │ q   │
 *   └───────────────────┴────────┴────────┴─────┴────────┴────────────────┴─────┘
 *                        carved blocks: live, or on the free list         q = quantization
 *                        (a free block's first word links to the next     = (POOL_SIZE −
 *                         free block of the pool, 0 ends the list)          POOL_OVERHEAD) mod s
 *
 *   pool header, eight u32 words (CPython's struct pool_header on a 32-bit build)
 *   pool ─►┌────────────────────────────┐
 *     +0   │ count          u32         │ COUNT_IDX          blocks allocated in this pool
 *     +4   │ freeblock      u32         │ FREEBLOCK_IDX      head of the pool's free list, 0 = none
 *     +8   │ nextpool       u32         │ NEXTPOOL_IDX       usedpools list / arena freepools list
 *     +12  │ prevpool       u32         │ PREVPOOL_IDX       usedpools list (0 at the head)
 *     +16  │ arenaindex     u32         │ ARENAINDEX_IDX     index of the arena descriptor
 *     +20  │ szidx          u32         │ SZIDX_IDX          size class; DUMMY_SIZE_IDX when carved
 *     +24  │ nextoffset     u32         │ NEXTOFFSET_IDX     offset of the first never-carved block
 *     +28  │ maxnextoffset  u32         │ MAXNEXTOFFSET_IDX  POOL_SIZE − s: last valid nextoffset
 *     +32  └────────────────────────────┘ = POOL_OVERHEAD
 *
 * Read a field as `u32[(pool >>> 2) + COUNT_IDX]`.
 */

// ── size classes ─────────────────────────────────────────────────────────────────────────
/** Every block is a multiple of ALIGNMENT and starts at a multiple of it (32-bit CPython: 8). */
export const ALIGNMENT = 8;
export const ALIGNMENT_SHIFT = 3;
/** Largest request pymalloc serves itself; 0 and larger requests go to the raw domain. */
export const SMALL_REQUEST_THRESHOLD = 512;
/** 512 / 8 = 64 classes of 8, 16, …, 512 bytes. */
export const NB_SMALL_SIZE_CLASSES = SMALL_REQUEST_THRESHOLD >>> ALIGNMENT_SHIFT;

/** Block size of class `i` (CPython's INDEX2SIZE). */
export function index2size(i: number): number {
  return (i + 1) << ALIGNMENT_SHIFT;
}
/** Class of a request of `n` bytes, n in 1..512. */
export function size2index(n: number): number {
  return (n - 1) >>> ALIGNMENT_SHIFT;
}

// ── pools and arenas (docs/decisions/0004-pymalloc-sizes.md) ─────────────────────────────
export const POOL_BITS = 12;
/** 4 KiB: CPython's 32-bit pool, one page. */
export const POOL_SIZE = 1 << POOL_BITS;
export const POOL_SIZE_MASK = POOL_SIZE - 1;
export const ARENA_BITS = 16;
/** 64 KiB: sixteen 4 KiB pools (CPython's 32-bit arena is 256 KiB; see decision 0004). */
export const ARENA_SIZE = 1 << ARENA_BITS;
export const ARENA_SIZE_MASK = ARENA_SIZE - 1;
/** Alignment asked of the memory for arenas: whole pools, and at least a page. */
export const ARENA_ALIGN = POOL_SIZE > 4096 ? POOL_SIZE : 4096;
/** Pools in an arena whose base is pool-aligned (always, since we ask for that alignment). */
export const MAX_POOLS_IN_ARENA = ARENA_SIZE / POOL_SIZE;

// ── pool header ──────────────────────────────────────────────────────────────────────────
export const COUNT_IDX = 0;
export const FREEBLOCK_IDX = 1;
export const NEXTPOOL_IDX = 2;
export const PREVPOOL_IDX = 3;
export const ARENAINDEX_IDX = 4;
export const SZIDX_IDX = 5;
export const NEXTOFFSET_IDX = 6;
export const MAXNEXTOFFSET_IDX = 7;
export const COUNT_OFF = COUNT_IDX * 4;
export const FREEBLOCK_OFF = FREEBLOCK_IDX * 4;
export const NEXTPOOL_OFF = NEXTPOOL_IDX * 4;
export const PREVPOOL_OFF = PREVPOOL_IDX * 4;
export const ARENAINDEX_OFF = ARENAINDEX_IDX * 4;
export const SZIDX_OFF = SZIDX_IDX * 4;
export const NEXTOFFSET_OFF = NEXTOFFSET_IDX * 4;
export const MAXNEXTOFFSET_OFF = MAXNEXTOFFSET_IDX * 4;
/** Header bytes rounded up to ALIGNMENT: the first block starts here. */
export const POOL_OVERHEAD = 32;
/** szidx of a freshly carved pool before it is initialised for a class. */
export const DUMMY_SIZE_IDX = 0xffff;

/** Blocks per pool of class `i` (CPython's NUMBLOCKS). */
export function numBlocks(i: number): number {
  return ((POOL_SIZE - POOL_OVERHEAD) / index2size(i)) | 0;
}

// ── arena descriptors ────────────────────────────────────────────────────────────────────
/** Length of the arena-descriptor vector at first use; it doubles when exhausted. */
export const INITIAL_ARENA_OBJECTS = 16;
/** "No arena" in the descriptor links, usable_arenas and nfp2lasta (C's NULL). */
export const NO_ARENA = -1;

// ── live-block bitmap (docs/decisions/0005-live-block-bitmap.md) ─────────────────────────
/** One bit per ALIGNMENT-byte granule of the memory: bit (p >>> 3) lives in word p >>> 8. */
export const LIVE_WORD_SHIFT = ALIGNMENT_SHIFT + 5;
