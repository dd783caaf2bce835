/**
 * Options and statistics of the RAW allocator (raw-allocator.ts), with the checks that turn
 * options into the values it runs with.
 */
import { PAGE_SIZE, checkSize, fail, type AllocatorStats, type Memory } from '@pyheap/interface';
import { MAX_CHUNK_BYTES } from './internal/raw-layout.js';

export interface RawAllocatorOpts {
  /** The memory to allocate in. Default: a new `LinearMemory()` of its own. */
  memory?: Memory;
  /**
   * Requests of this many bytes or more get a page region of their own, unmapped on free
   * (glibc's M_MMAP_THRESHOLD). Default 128 KiB; 1 … 512 MiB.
   */
  mmapThreshold?: number;
  /**
   * Bytes of the chunks TLSF carves blocks from (rounded up to whole pages); a request that does
   * not fit one gets a chunk big enough. Default 1 MiB; 4 KiB … 1 GiB.
   */
  chunkBytes?: number;
}

export interface RawAllocatorStats extends AllocatorStats {
  /** Chunks held (including the wholly free one kept for reuse). */
  readonly chunks: number;
  /** Blocks at or above the mmap threshold, each in its own region. */
  readonly largeBlocks: number;
  /** Bytes of free blocks inside the chunks (headers included). */
  readonly freeBytes: number;
  /** Bytes of the wholly free chunk kept for reuse (what `trim()` would give back). */
  readonly keptBytes: number;
}

/** glibc's default M_MMAP_THRESHOLD. */
export const DEFAULT_MMAP_THRESHOLD = 128 * 1024;
/** pymalloc's arena size on 64-bit. */
export const DEFAULT_CHUNK_BYTES = 1 << 20;
/** Keeps every block TLSF makes (below the threshold) inside a chunk of at most 1 GiB. */
export const MAX_MMAP_THRESHOLD = 1 << 29;

export function mmapThresholdOf(opts: RawAllocatorOpts): number {
  if (opts.mmapThreshold === undefined) return DEFAULT_MMAP_THRESHOLD;
  const t = checkSize(opts.mmapThreshold, 'mmapThreshold');
  if (t < 1 || t > MAX_MMAP_THRESHOLD) {
    fail('E_INVALID_ARGUMENT', `mmapThreshold must be in 1..${MAX_MMAP_THRESHOLD}, got ${t}`);
  }
  return t;
}

/** `chunkBytes`, validated and rounded up to whole pages. */
export function chunkBytesOf(opts: RawAllocatorOpts): number {
  if (opts.chunkBytes === undefined) return DEFAULT_CHUNK_BYTES;
  const c = checkSize(opts.chunkBytes, 'chunkBytes');
  if (c < PAGE_SIZE || c > MAX_CHUNK_BYTES) {
    fail('E_INVALID_ARGUMENT', `chunkBytes must be in ${PAGE_SIZE}..${MAX_CHUNK_BYTES}, got ${c}`);
  }
  return Math.ceil(c / PAGE_SIZE) * PAGE_SIZE;
}
