/**
 * Layout of the RAW allocator's chunks and blocks, and the TLSF size mapping (Masmano, Ripoll,
 * Crespo, Real 2004, "TLSF: a new dynamic memory allocator for real-time systems").
 *
 * A chunk is one page region of the memory, carved into blocks with boundary tags:
 *
 *   base ─►┌──────────────────────────────────────┐
 *          │ state map: 2 bits per 8-byte granule │  chunkBytes / 32 bytes (CHUNK_MAP_SHIFT)
 *          │ of the whole chunk: NONE/LIVE/FREED  │  states of payload addresses
 *          ├──────────────────┬───────────────────┤
 *          │ pad (4 bytes)    │ first block header│  first ≡ 4 (mod 8), so payloads are 8-aligned
 *          ├──────────────────┴───────────────────┤
 *          │ blocks …                             │  each block: header word + payload
 *          ├──────────────────────────────────────┤
 *          │ sentinel header: size 0, in use      │  base + chunkBytes − 4
 *          └──────────────────────────────────────┘
 *
 * One block (addresses are of its header word `b`; the caller gets `p = b + 4`):
 *
 *    3                   2                   1
 *  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
 * ├─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┼─┼─┼─┤
 * │                 block size (header included, ×8)           │0│L│F│  b + HEADER_OFF
 * ├─────────────────────────────────────────────────────────────┴─┴─┴─┤
 * │ if free: prev free block of the same class (0 = list head)        │  b + PREV_OFF  ◄ p
 * ├───────────────────────────────────────────────────────────────────┤
 * │ if free: next free block of the same class (0 = last)             │  b + NEXT_OFF
 * ├───────────────────────────────────────────────────────────────────┤
 * │ … payload …                                                       │
 * ├───────────────────────────────────────────────────────────────────┤
 * │ if free: back pointer = b                                         │  b + size − 4
 * └───────────────────────────────────────────────────────────────────┘
 *   F: FREE (this block is free), L: LEFT_FREE (the block to the left is free, so the word just
 *   below this header is its back pointer).
 *
 * A free block needs header, prev, next and back: MIN_BLOCK_SIZE = 16, i.e. 12 usable bytes.
 * Block sizes are multiples of 8 and include the 4-byte header, so usable = size − 4.
 */

/** Every payload address is a multiple of this. */
export const ALIGNMENT = 8;
export const ALIGN_MASK = ALIGNMENT - 1;

/** Header word of a block, relative to the block address `b`. */
export const HEADER_OFF = 0;
/** Free blocks only: links of the segregated free list (overlap the payload). */
export const PREV_OFF = 4;
export const NEXT_OFF = 8;
/** Bytes of the header: payload = block + BLOCK_OVERHEAD. */
export const BLOCK_OVERHEAD = 4;
/** Header, prev, next and back pointer. */
export const MIN_BLOCK_SIZE = 16;

/** Header bits kept in the low bits of the size (sizes are multiples of 8). */
export const FREE = 1 << 0;
export const LEFT_FREE = 1 << 1;
export const TAGS_MASK = ALIGN_MASK;

/*
 * State map of a chunk: 2 bits for each 8-byte granule of the chunk, 16 granules per u32 word,
 * telling what the payload address at the start of that granule is. It makes the misuse checks
 * of free/realloc/usableSize O(1) and exact (glibc's checks are heuristic):
 *
 *   STATE_NONE   never handed out at this address: free(p) → E_NOT_ALLOCATED
 *   STATE_LIVE   the start of a live block (set by malloc, kept by in-place realloc)
 *   STATE_FREED  handed out here and freed since, not handed out again: → E_DOUBLE_FREE
 *
 * A FREED address that later lands in the middle of a bigger block keeps its state: freeing it
 * is still freeing a pointer that was freed (the interior of a live block, but the user's
 * pointer is stale). The map is part of the chunk, so a chunk given back forgets its history.
 */
export const STATE_NONE = 0;
export const STATE_LIVE = 1;
export const STATE_FREED = 2;
/** Chunk bytes per byte of state map: 8-byte granules, 4 granules per byte. */
export const CHUNK_MAP_SHIFT = 5;

/** Word index (u32) of the state of payload `p` in the chunk at `base`. */
export function stateIdx(base: number, p: number): number {
  return (base >>> 2) + ((p - base) >>> 7);
}
/** Bit shift of the state of payload `p` inside its word. */
export function stateShift(base: number, p: number): number {
  return ((p - base) >>> 2) & 30;
}

/*
 * TLSF size mapping. Block sizes below SMALL_BLOCK_SIZE get one exact list per 8 bytes
 * (first level 0); above it, first level = floor(log2 size) − (SL_BITS + 3) + 1 and the second
 * level splits each power-of-two range into SL_COUNT equal classes:
 *
 *   fl 0   [16, 256)      32 classes of 8 bytes (exact)
 *   fl 1   [256, 512)     32 classes of 8 bytes
 *   fl 2   [512, 1K)      32 classes of 16 bytes
 *   …
 *   fl k   [2^(k+7), 2^(k+8))  classes of 2^(k+7−5) bytes
 *   fl 23  [1G, 2G)       (chunks are at most 1 GiB, so blocks are below 2^31)
 *
 * A request is rounded up to the next class boundary before searching ("mapping_search"), so
 * every block of the list found fits: that is what makes malloc O(1), at the price of a
 * worst-case internal waste of 1/32 of the size.
 */
export const SL_BITS = 5;
export const SL_COUNT = 1 << SL_BITS;
export const SMALL_BLOCK_SIZE = 1 << (SL_BITS + 3);
export const FL_COUNT = 25;
/** Largest chunk (and so block) the allocator makes: keeps sizes below 2^31. */
export const MAX_CHUNK_BYTES = 1 << 30;

/** List index (fl × SL_COUNT + sl) of the class holding free blocks of `size` bytes. */
export function mappingInsert(size: number): number {
  if (size < SMALL_BLOCK_SIZE) return size >>> 3;
  const t = 31 - Math.clz32(size);
  const sl = (size >>> (t - SL_BITS)) ^ SL_COUNT;
  return ((t - (SL_BITS + 2)) << SL_BITS) | sl;
}

/** List index of the smallest class whose every block holds `size` bytes. */
export function mappingSearch(size: number): number {
  if (size < SMALL_BLOCK_SIZE) return size >>> 3;
  const t = 31 - Math.clz32(size);
  return mappingInsert(size + (1 << (t - SL_BITS)) - 1);
}

/** Block size (header included) for a request of `n` bytes: 8-aligned, at least MIN_BLOCK_SIZE. */
export function blockSizeFor(n: number): number {
  const s = (n + BLOCK_OVERHEAD + ALIGN_MASK) & ~ALIGN_MASK;
  return s < MIN_BLOCK_SIZE ? MIN_BLOCK_SIZE : s;
}

/** Count trailing zeros of a non-zero 32-bit value (ffs − 1). */
export function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}
