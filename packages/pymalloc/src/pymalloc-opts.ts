import type { Allocator, Memory } from '@pyheap/interface';

/** How a pymalloc allocator is built (createPymalloc, new Pymalloc, new DebugPymalloc). */
export interface PymallocOpts {
  /**
   * The linear memory arenas are mapped from. Default: the memory of `raw` when `raw` is
   * given, else a new `LinearMemory()` (1 MiB at first, grows up to 2 GiB).
   */
  memory?: Memory;
  /**
   * The RAW domain, which serves requests of 0 or more than 512 bytes (and small ones when no
   * arena can be mapped). It must allocate in `memory` (E_INVALID_ARGUMENT otherwise).
   * Default: `new RawAllocator({ memory })`.
   */
  raw?: Allocator;
  /**
   * PYTHONMALLOC=debug: CPython's debug hooks on every entry point (guard bytes, 0xCD/0xDD
   * fills, API id) plus poisoning of free memory for use-after-free detection. Honoured by
   * `createPymalloc` and `DebugPymalloc`; `new Pymalloc({ debug: true })` throws
   * E_INVALID_ARGUMENT. Default false.
   */
  debug?: boolean;
}
