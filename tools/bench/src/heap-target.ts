/**
 * What the allocator workloads need of a heap, so that one hot loop serves pyheap's
 * allocators and @thi.ng/malloc's MemPool alike: malloc/free on numbers, and byte/word views
 * that are re-read when `generation` changes (pyheap's memory replaces its views when it
 * grows; MemPool's buffer never changes, its generation stays 0).
 *
 * Each variant runs in its own worker process, so these call sites see one class each and
 * stay monomorphic.
 */
import type { Allocator } from '@pyheap/interface';
import type { MemPool } from '@thi.ng/malloc';
import { memPoolTop } from './allocators.js';

export interface HeapTarget {
  malloc(size: number): number;
  free(addr: number): unknown;
}

export interface HeapViews {
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
  readonly generation: number;
}

/** Counters a workload checks after the timed region. */
export interface HeapProbe {
  /** Live blocks right now. */
  blocksInUse(): number;
  /** Bytes taken from the memory right now. */
  footprint(): number;
  /** Highest footprint so far. */
  peakFootprint(): number;
  /** Walk the structures (throws when corrupt); a no-op where the heap has no check. */
  check(): void;
  /**
   * With every block freed: give back what the heap keeps (Allocator.trim) and throw unless
   * the footprint is then 0 (the interface's promise; anything else is a leak).
   */
  trimToZero(): void;
}

export interface Heap {
  readonly target: HeapTarget;
  readonly views: HeapViews;
  readonly probe: HeapProbe;
}

export function allocatorHeap(alloc: Allocator): Heap {
  return {
    target: alloc,
    views: alloc.memory,
    probe: {
      blocksInUse: () => alloc.stats().blocksInUse,
      footprint: () => alloc.stats().footprint,
      peakFootprint: () => alloc.stats().peakFootprint,
      check: () => alloc.check(),
      trimToZero: () => {
        alloc.trim();
        const left = alloc.stats().footprint;
        if (left !== 0) throw new Error(`${alloc.name}: footprint ${left} after free-all + trim`);
      },
    },
  };
}

/**
 * MemPool as a heap. The pool's footprint is its `top`; its peak is tracked on every malloc
 * by this wrapper (a comparison per call, nothing next to MemPool's list walks). `free`
 * returning false (not a block of the pool) throws: the workloads never free a foreign block.
 */
export function memPoolHeap(pool: MemPool): Heap {
  let peak = memPoolTop(pool);
  const views: HeapViews = {
    u8: new Uint8Array(pool.buf),
    u32: new Uint32Array(pool.buf),
    generation: 0,
  };
  return {
    target: {
      malloc(size: number): number {
        const a = pool.malloc(size);
        const top = memPoolTop(pool);
        if (top > peak) peak = top;
        return a;
      },
      free(addr: number): boolean {
        if (!pool.free(addr)) throw new Error(`MemPool.free(${addr}) refused a block`);
        return true;
      },
    },
    views,
    probe: {
      blocksInUse: () => pool.stats().used.count,
      footprint: () => memPoolTop(pool),
      peakFootprint: () => peak,
      check: () => {},
      // The pool's buffer is fixed; compaction already lowered top when the last block went.
      trimToZero: () => {},
    },
  };
}

/** V8 heap numbers for the JS baselines (heap plus ArrayBuffer backing stores). */
export function v8HeapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export function formatMiB(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
