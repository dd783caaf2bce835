import type { Addr } from './addr.js';

/** What backs a linear memory. */
export type MemoryBacking = 'ArrayBuffer' | 'SharedArrayBuffer' | 'WebAssembly.Memory';

/**
 * The "operating system" below every allocator: one growable linear memory that hands out and
 * takes back page-granular regions, as mmap/munmap do for CPython's arenas
 * (`_PyObject_ArenaMmap` / `_PyObject_ArenaMunmap` in Objects/obmalloc.c).
 *
 * Views: `u8`, `u32`, `i32` and `f64` cover the whole memory. With a resizable ArrayBuffer or a
 * growable SharedArrayBuffer they stay valid after growth; with a WebAssembly.Memory growth
 * replaces the buffer and the views are refreshed. Either way, code that caches a view in a
 * local must read it again after any call that may allocate (or check `generation`).
 *
 * A WebAssembly.Memory can also be grown by its owner (a WASM module's `memory.grow`), which
 * detaches every view of the old buffer without telling us: the memory notices at the next read
 * of one of its views (or `buffer`), refreshes them and calls the `onResize` listeners then.
 * So code that keeps a view across calls from outside tests it at its entry points — a detached
 * view has length 0 — and reads the memory's view when it is (pymalloc, the refcount core, the
 * collector and the object model do).
 */
export interface Memory {
  readonly backing: MemoryBacking;
  readonly buffer: ArrayBufferLike;
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  /** Current byte length of the memory (a multiple of the page size). */
  readonly byteLength: number;
  /** Largest byte length the memory may grow to. */
  readonly maxByteLength: number;
  /** Bumped every time the views are replaced; cached views are stale when it changed. */
  readonly generation: number;

  /**
   * Map a region of `bytes` (rounded up to whole pages) whose address is a multiple of
   * `align` (a power of two ≥ the page size; default the page size). Grows the memory if
   * needed. Returns 0 when the memory cannot hold it (its maximum is reached). The region's
   * content is unspecified unless `zeroed` regions are asked for by the caller (see
   * `mapRegion`'s `zero` argument).
   */
  mapRegion(bytes: number, align?: number, zero?: boolean): Addr;
  /** Give back a region returned by `mapRegion` (exactly its address and byte count). */
  unmapRegion(addr: Addr, bytes: number): void;
  /** Bytes currently mapped out in regions (the footprint every allocator builds on). */
  mappedBytes(): number;
  /** Highest `mappedBytes()` ever seen. */
  peakMappedBytes(): number;
  /** Register a listener called after the memory grew or shrank (views refreshed by then). */
  onResize(listener: (memory: Memory) => void): () => void;
  /** Walk the region table and throw E_CORRUPT_HEAP on the first broken invariant. */
  check(): void;
}
