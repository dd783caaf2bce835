import { beforeAll, describe, expect, it } from 'vitest';
import { createMemPool, loadAllocators, type AllocatorCatalog } from '../src/allocators.js';
import { allocatorHeap, memPoolHeap, type Heap } from '../src/heap-target.js';
import { assertRecord } from '../src/record.js';
import { runBench } from '../src/runner.js';
import { SEED, xorshift32 } from '../src/prng.js';
import {
  a1Bench,
  A1_VARIANTS,
  heapA1Bench,
  replayA1,
  type A1Params,
} from '../src/workloads/a1-alloc-churn.js';
import { a2Benches, A2_SIZES, type A2Counts } from '../src/workloads/a2-size-sweep.js';

const TINY_A1: A1Params = { window: 64, iterations: 3000, maxSize: 512 };
const TINY_A2: A2Counts = { lifo: 200, fifo: 100, fifoLarge: 100 };
const once = { runs: 1, warmups: 0, mode: 'quick' as const };

let env: AllocatorCatalog;
beforeAll(async () => {
  env = await loadAllocators();
});

describe('A1 replay', () => {
  it('draws the window sizes from the PRNG in order', () => {
    const e = replayA1({ window: 3, iterations: 0, maxSize: 512 });
    let x = SEED;
    const sizes = [0, 1, 2].map(() => 1 + ((x = xorshift32(x)) % 512));
    expect([...e.sizes]).toEqual(sizes);
    expect(e.final).toBe(x);
  });
});

describe('A1 on the real allocators (tiny size)', () => {
  it('pymalloc and raw are available to the bench', () => {
    expect(env.missing.get('pymalloc')).toBeUndefined();
    expect(env.missing.get('raw')).toBeUndefined();
  });

  for (const variant of A1_VARIANTS) {
    it(`${variant}: runs, verifies and reports memory`, () => {
      const r = runBench(a1Bench(variant, env, TINY_A1), once);
      assertRecord(r);
      expect(r.workload).toBe('A1');
      expect(r.variant).toBe(variant);
      if (variant.startsWith('v8-')) {
        expect(r.peakBytes).toBeNull();
        expect(r.note).toMatch(/V8 heap/);
      } else {
        expect(r.peakBytes).toBeGreaterThan(0);
        expect(r.heldBytes).not.toBeNull();
      }
    });
  }

  it('scales the debug and MemPool iterations and says so', () => {
    expect(a1Bench('pymalloc-debug', env, TINY_A1).ops).toBe(300);
    expect(a1Bench('thi.ng-mempool', env, TINY_A1).ops).toBe(30);
    expect(a1Bench('thi.ng-mempool', env, TINY_A1).note).toMatch(/1\/100 of the iterations/);
    expect(a1Bench('pymalloc', env, TINY_A1).ops).toBe(3000);
  });

  it('fails loudly when a heap hands out overlapping blocks', () => {
    const real = allocatorHeap(env.factories.get('raw')!.create());
    let first = 0;
    const broken: Heap = {
      ...real,
      target: {
        // Every block after the first is the first block again.
        malloc: (size: number) => (first === 0 ? (first = real.target.malloc(size)) : first),
        free: () => {},
      },
    };
    expect(() =>
      runBench(
        heapA1Bench('broken', () => broken, TINY_A1),
        once,
      ),
    ).toThrow(/A1 broken/);
  });

  it("fails loudly when a live block's word changed", () => {
    const bench = heapA1Bench(
      'pymalloc',
      () => allocatorHeap(env.factories.get('pymalloc')!.create()),
      TINY_A1,
    );
    const state = bench.setup();
    bench.timed(state, { start() {}, stop() {} });
    bench.verify(state);
    const size = replayA1(TINY_A1).sizes[7];
    const a = state.slots[7];
    if (size >= 4) state.heap.views.u32[a >>> 2] ^= 1;
    else state.heap.views.u8[a] ^= 1;
    expect(() => bench.verify(state)).toThrow(/slot 7/);
  });
});

describe('A2 on the real allocators (tiny counts)', () => {
  for (const variant of ['pymalloc', 'raw', 'pymalloc-debug', 'thi.ng-mempool', 'v8-uint8array']) {
    it(`${variant}: every size, LIFO and FIFO, fresh and warm`, () => {
      const benches = a2Benches(variant, env, TINY_A2);
      const groups = new Set(benches.map((b) => b.group));
      expect(groups.size).toBe(variant === 'v8-uint8array' ? 2 : 3);
      expect(benches.filter((b) => b.params.order === 'lifo').map((b) => b.params.size)).toEqual([
        ...A2_SIZES,
      ]);
      for (const b of benches) {
        const r = runBench(b, { ...once, warmups: b.params.heap === 'warm' ? 1 : 0 });
        assertRecord(r);
        expect(r.row).toBe(String(b.params.size));
        if (variant !== 'v8-uint8array' && b.params.order === 'fifo')
          expect(r.heldBytes).not.toBeNull();
      }
    });
  }

  it('notes the reduced 65536-byte FIFO count', () => {
    const b = a2Benches('pymalloc', env, { lifo: 10, fifo: 100, fifoLarge: 20 }).find(
      (x) => x.params.order === 'fifo' && x.params.size === 65536,
    )!;
    expect(b.ops).toBe(20);
    expect(b.note).toMatch(/6\.5 GB does not fit the 2 GiB heap/);
  });

  it('MemPool heaps track their peak top', () => {
    const heap = memPoolHeap(createMemPool(1 << 16));
    const a = heap.target.malloc(100);
    const b = heap.target.malloc(100);
    const peak = heap.probe.footprint();
    heap.target.free(b);
    heap.target.free(a);
    expect(heap.probe.peakFootprint()).toBe(peak);
    expect(heap.probe.footprint()).toBeLessThan(peak);
    expect(heap.probe.blocksInUse()).toBe(0);
  });
});
